import FuzzSupport

Fuzz.main(fuzzRecordCodec)
