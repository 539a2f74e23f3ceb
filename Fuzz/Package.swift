// swift-tools-version: 6.2
// libFuzzer targets for evq's decoders and parsers, in their own package so that the fuzzing build (sanitizer
// flags, libFuzzer's main) stays out of every CI build. Run with tools/fuzz; the seed corpora in Corpus/ are
// written by FuzzSeeds (see tools/fuzz --help).
import PackageDescription

let settings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

/// One libFuzzer target: an executable exporting `LLVMFuzzerTestOneInput`, whose main.swift hands it to libFuzzer's
/// driver. (SwiftPM links every executable with its own `main`, so libFuzzer's `main` is never used: hence the
/// driver call rather than `-parse-as-library`, with which the link fails for want of `<Target>_main`.)
func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: "evq") },
        path: name,
        swiftSettings: settings
    )
}

let package = Package(
    name: "EvqFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "evq", path: "../")
    ],
    targets: [
        // Declares LLVMFuzzerRunDriver, which each target's main calls (see FuzzSupport's Fuzz.main).
        .target(name: "CFuzzer", path: "CFuzzer"),
        .target(
            name: "FuzzSupport",
            dependencies: ["CFuzzer", .product(name: "EvCore", package: "evq")],
            path: "FuzzSupport",
            swiftSettings: settings
        ),
        fuzzTarget("FuzzLineProtocol", ["EvCore", "EvStorage"]),
        fuzzTarget("FuzzRecordCodec", ["EvCore", "EvStorage"]),
        fuzzTarget("FuzzBlockDecoder", ["EvCore", "EvStorage"]),
        fuzzTarget("FuzzCheckpoint", ["EvCore", "EvViews", "EvStorage"]),
        // Writes Corpus/ (built without the sanitizer flags; see tools/fuzz --seeds).
        .executableTarget(
            name: "FuzzSeeds",
            dependencies: [
                .product(name: "EvCore", package: "evq"),
                .product(name: "EvViews", package: "evq"),
                .product(name: "EvStorage", package: "evq"),
            ],
            path: "FuzzSeeds",
            swiftSettings: settings
        ),
    ]
)
