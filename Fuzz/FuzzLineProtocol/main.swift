import FuzzSupport

Fuzz.main(fuzzLineProtocol)
