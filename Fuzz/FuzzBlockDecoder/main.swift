import FuzzSupport

Fuzz.main(fuzzBlockDecoder)
