// swift-tools-version: 6.1
// Fouille: a full-text search daemon for French text, over SQLite FTS5.

import PackageDescription

let package = Package(
    name: "Fouille",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fouille", targets: ["fouille"]),
        .executable(name: "fouille-bench", targets: ["FouilleBench"]),
        .library(name: "FouilleAnalysis", targets: ["FouilleAnalysis"]),
        .library(name: "FouilleIndex", targets: ["FouilleIndex"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // ICU behind a header that exposes no ICU type: Foundation's own ICU
        // module defines the same C types, so Swift cannot import both.
        .target(
            name: "CICUShim",
            linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc")]
        ),
        // An FTS5 auxiliary function (matched clauses per row) in C, against
        // SQLite's extension API.
        .target(name: "CFTS5Match", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(name: "CFixedPoint"),
        // Snowball stemmers (Debian's libstemmer-dev).
        .systemLibrary(name: "CSnowball", providers: [.apt(["libstemmer-dev"])]),

        .target(name: "FouilleAnalysis", dependencies: ["CICUShim", "CSnowball"]),
        .target(
            name: "FouilleIndex",
            dependencies: [
                "FouilleAnalysis", "CFTS5Match",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "FouilleIngest",
            dependencies: [
                "FouilleIndex",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "FouilleServer",
            dependencies: [
                "FouilleIndex", "CFixedPoint",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "fouille",
            dependencies: [
                "FouilleAnalysis", "FouilleIndex", "FouilleIngest", "FouilleServer",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "FouilleBench",
            dependencies: [
                "FouilleIndex", "FouilleIngest", "FouilleServer", "FouilleTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // libFuzzer target behind scripts/fuzz (built with -sanitize=fuzzer -DFUZZING);
        // built plainly, it replays the inputs it is given.
        .executableTarget(
            name: "FouilleFuzz",
            dependencies: ["FouilleIndex", "FouilleServer", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // Seeded generators and hostile text for the test targets.
        .target(name: "FouilleTestSupport", path: "Tests/FouilleTestSupport"),
        .testTarget(name: "FouilleAnalysisTests", dependencies: ["FouilleAnalysis", "FouilleTestSupport"]),
        .testTarget(
            name: "FouilleIndexTests",
            dependencies: ["FouilleIndex", "FouilleTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "FouilleIngestTests", dependencies: ["FouilleIngest", "FouilleIndex"]),
        .testTarget(
            name: "FouilleServerTests",
            dependencies: [
                "FouilleServer", "FouilleIndex", "FouilleTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "FouilleCLITests", dependencies: ["FouilleIndex", "FouilleServer", "FouilleTestSupport"]),
    ]
)
