// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "evq",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "evqd", targets: ["evqd"]),
        .executable(name: "evq", targets: ["evq"]),
        .library(name: "EvCore", targets: ["EvCore"]),
        .library(name: "EvViews", targets: ["EvViews"]),
        .library(name: "EvStorage", targets: ["EvStorage"]),
        .library(name: "EvIngest", targets: ["EvIngest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // `traits: []`: without swift-configuration support (not needed, and one package less to build).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Pure core: events, line protocol, block codec, checksums. No I/O, no clock, no Foundation.
        .target(name: "EvCore", swiftSettings: strict),
        // Pure materialized views: reducers over events (no I/O, no clock: time comes from events).
        .target(name: "EvViews", dependencies: ["EvCore"], swiftSettings: strict),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        // The segment log: files, blocks, recovery, index, retention, group commit.
        .target(
            name: "EvStorage",
            dependencies: [
                "EvCore", "CLZ4",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // evqd's live views: checkpoint + tail replay at start, committed blocks applied in offset order.
        .target(
            name: "EvEngine",
            dependencies: ["EvCore", "EvViews", "EvStorage", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The YAML configuration file (views, rules), read with Yams.
        .target(
            name: "EvConfig",
            dependencies: ["EvCore", "EvViews", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // TCP line-protocol ingest on SwiftNIO.
        .target(
            name: "EvIngest",
            dependencies: [
                "EvCore", "EvStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The host collector: /proc and statfs parsed into line-protocol events (what psutil gives).
        .target(name: "EvHost", dependencies: ["EvCore"], swiftSettings: strict),
        // What the CLI prints and the HTTP API serves as text: tables, event lines (one renderer for both).
        .target(name: "EvRender", dependencies: ["EvCore", "EvViews"], swiftSettings: strict),
        // The HTTP read API, live event stream and status page (Hummingbird).
        .target(
            name: "EvHTTP",
            dependencies: [
                "EvCore", "EvViews", "EvStorage", "EvEngine", "EvRender", "EvConfig",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // evqd's configuration and service wiring (a library so tests can start it in process).
        .target(
            name: "EvDaemon",
            dependencies: [
                "EvCore", "EvStorage", "EvIngest", "EvEngine", "EvViews", "EvConfig", "EvHTTP", "EvHost",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The evq commands (a library so tests can call them).
        .target(
            name: "EvqCommands",
            dependencies: [
                "EvCore", "EvStorage", "EvViews", "EvConfig", "EvEngine", "EvRender",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "evqd",
            dependencies: ["EvDaemon", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "evq",
            dependencies: ["EvqCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .target(
            name: "EvTestSupport",
            dependencies: ["EvCore", "EvStorage", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EvCoreTests",
            dependencies: ["EvCore", "EvTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EvViewsTests",
            dependencies: ["EvCore", "EvViews", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EvEngineTests",
            dependencies: [
                "EvCore", "EvEngine", "EvStorage", "EvViews", "EvTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EvHostTests",
            dependencies: ["EvHost", "EvCore", "EvStorage", "EvTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(name: "EvConfigTests", dependencies: ["EvConfig", "EvCore", "EvViews", "EvTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "EvStorageTests",
            dependencies: [
                "EvCore", "EvStorage", "EvTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EvIngestTests",
            dependencies: [
                "EvCore", "EvStorage", "EvIngest", "EvTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // evqd in process: its pipeline over a temporary directory, requests through Hummingbird's
        // router test framework (no socket, no process).
        .testTarget(
            name: "EvDaemonTests",
            dependencies: [
                "EvCore", "EvDaemon", "EvEngine", "EvHTTP", "EvStorage", "EvViews", "EvConfig", "EvRender", "EvTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Starts the real evqd and evq binaries (built first, as dependencies) on loopback.
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["EvCore", "EvStorage", "EvTestSupport", "evqd", "evq"],
            swiftSettings: strict
        ),
    ]
)
