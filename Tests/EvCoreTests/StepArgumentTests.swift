import EvCore
import Testing

@Suite("Step durations and constant-time comparison")
struct StepArgumentTests {
    @Test(
        "whole-second durations with units; zero, negative, fractions, unknown units and overflow are refused",
        arguments: [
            ("30", Int64?.some(30)), ("30s", 30), ("5m", 300), ("1h", 3600), ("2d", 172_800),
            ("0", nil), ("0s", nil), ("-5s", nil), ("1.5m", nil), ("5ms", nil), ("5q", nil), ("", nil), ("s", nil),
            ("99999999999999999d", nil), ("9223372036854775807", 9_223_372_036_854_775_807),
        ]
    )
    func steps(text: String, seconds: Int64?) {
        #expect(StepArgument.seconds(text) == seconds)
    }

    @Test("equal only for the same bytes, whatever the lengths")
    func constantTime() {
        #expect(ConstantTime.equal("s3cret", "s3cret"))
        #expect(!ConstantTime.equal("s3cret", "s3cres"))
        #expect(!ConstantTime.equal("s3cret", "s3cret!"))
        #expect(!ConstantTime.equal("", "x"))
        #expect(ConstantTime.equal("", ""))
        #expect(ConstantTime.equal("tök"[...], "tök"))
    }
}
