import EvCore
import Testing

/// The exact text the serializer writes: minimal escaping, stored order, nanosecond timestamps.
@Suite struct LineProtocolSerializerTests {
    static let lines: [(Event, String)] = [
        (Event(time: 5, measurement: "m", fields: [Field("f", .float(1.5))]), "m f=1.5 5"),
        (
            Event(
                time: -1,
                measurement: "cpu",
                tags: [Tag("host", "a"), Tag("dc", "eu")],
                fields: [
                    Field("a", .float(1)), Field("b", .int(-2)), Field("c", .uint(3)), Field("d", .string("x")),
                    Field("e", .bool(true)), Field("g", .bool(false)),
                ]
            ),
            #"cpu,host=a,dc=eu a=1.0,b=-2i,c=3u,d="x",e=true,g=false -1"#
        ),
        (
            Event(time: 0, measurement: "m x,y=z", tags: [Tag("k ,=", "v ,=")], fields: [Field("f ,=", .int(1))]),
            #"m\ x\,y=z,k\ \,\==v\ \,\= f\ \,\==1i 0"#
        ),
        (Event(time: 0, measurement: #"a\b"#, fields: [Field(#"c\"#, .int(0))]), #"a\b c\\=0i 0"#),
        (Event(time: 0, measurement: #"a\,"#, fields: [Field("f", .int(0))]), #"a\\\, f=0i 0"#),
        (Event(time: 0, measurement: #"a\\"#, fields: [Field("f", .int(0))]), #"a\\\\ f=0i 0"#),
        (Event(time: 0, measurement: "m", fields: [Field("s", .string(#"q"b\"#))]), #"m s="q\"b\\" 0"#),
        (Event(time: 0, measurement: "m", fields: [Field("f", .float(-0.0))]), "m f=-0.0 0"),
        (Event(time: 0, measurement: "m", fields: [Field("f", .float(1e-5))]), "m f=1e-05 0"),
        (Event(time: 0, measurement: "m", fields: [Field("f", .float(1e16))]), "m f=1e+16 0"),
        (
            Event(time: .min, measurement: "m", fields: [Field("i", .int(.min)), Field("u", .uint(.max))]),
            "m i=-9223372036854775808i,u=18446744073709551615u -9223372036854775808"
        ),
    ]

    @Test("events serialize to the expected line", arguments: lines)
    func line(event: Event, expected: String) {
        #expect(LineProtocolSerializer.line(event) == expected)
        var out: [UInt8] = [0x41]
        LineProtocolSerializer.append(event, to: &out)
        #expect(out == [0x41] + Array(expected.utf8) + [0x0A])
    }
}
