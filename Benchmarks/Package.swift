// swift-tools-version: 6.2
// Benchmarks live in their own package so that the benchmark dependency stays out of every CI build.
// Run with tools/bench (it generates the reference workload first).
import PackageDescription

let package = Package(
    name: "EvqBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "evq", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "EvqBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EvCore", package: "evq"),
                .product(name: "EvStorage", package: "evq"),
                .product(name: "EvViews", package: "evq"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "EvqBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
