// swift-tools-version:6.1
import PackageDescription

/// Settings every Huiliu target shares: Swift 6 mode, explicit existentials, and imports
/// that stay internal unless a file says `public import`.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Huiliu",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "huiliu", targets: ["huiliu"]),
        .library(name: "HuiliuKit", targets: ["HuiliuKit"]),
        .library(name: "HuiliuKitTesting", targets: ["HuiliuKitTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // Already a dependency of Hummingbird's: named for the HTTP part types its pipeline handlers see.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // System libraries from Debian (installed by scripts/bootstrap).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        // glibc's spawn extensions, for starting child processes; no library to link.
        .systemLibrary(name: "CSpawn", path: "Sources/CSpawn"),
        .systemLibrary(name: "CStdio", path: "Sources/CStdio"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        // The executable's allocator (see Sources/huiliu/Allocator.swift).
        .systemLibrary(name: "CJemalloc", path: "Sources/CJemalloc", pkgConfig: "jemalloc",
                       providers: [.apt(["libjemalloc-dev"])]),

        .target(name: "HuiliuCore", dependencies: ["COpenSSL"], swiftSettings: strict),
        .target(name: "HuiliuRegex", swiftSettings: strict),
        .target(name: "HuiliuExpression", dependencies: ["HuiliuCore", "HuiliuRegex"], swiftSettings: strict),
        .target(name: "HuiliuSchema", dependencies: ["HuiliuCore", "HuiliuRegex"], swiftSettings: strict),
        .target(name: "HuiliuSchedule", dependencies: ["HuiliuCore"], swiftSettings: strict),
        .target(name: "HuiliuEnvironment", dependencies: ["HuiliuCore"], swiftSettings: strict),
        .target(name: "HuiliuKit", dependencies: [
            "HuiliuCore", "CSpawn",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
        .target(name: "HuiliuKitTesting", dependencies: [
            "HuiliuKit", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .target(name: "HuiliuStore", dependencies: ["HuiliuCore", "CSQLite", "CLibPQ"], swiftSettings: strict),
        .target(name: "HuiliuTransport", dependencies: [
            "HuiliuCore", "HuiliuKit", "CCurl", "COpenSSL",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .target(name: "HuiliuHJ212", dependencies: [
            "HuiliuEnvironment", "HuiliuKit", "HuiliuStore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .target(name: "HuiliuIngest", dependencies: [
            "HuiliuKit", "HuiliuStore", "HuiliuSchema", "CZlib",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .target(name: "HuiliuSimulator", dependencies: [
            "HuiliuCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .target(name: "HuiliuServer", dependencies: [
            "HuiliuEngine", "HuiliuKit", "HuiliuStore", "HuiliuSchedule",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .target(name: "HuiliuConnectors", dependencies: [
            "HuiliuKit", "HuiliuStore", "HuiliuExpression", "HuiliuSchema", "HuiliuTransport", "CLibXML2", "CZlib", "CLibPQ",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ], swiftSettings: strict),
        .target(name: "HuiliuReplay", dependencies: [
            "HuiliuConnectors", "HuiliuCore", "HuiliuKit",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .target(name: "HuiliuEngine", dependencies: [
            "HuiliuKit", "HuiliuStore", "HuiliuSchedule", "HuiliuExpression",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
        ], swiftSettings: strict),
        .executableTarget(name: "huiliu", dependencies: [
            "HuiliuEngine", "HuiliuConnectors", "HuiliuEnvironment", "HuiliuSchema", "HuiliuServer", "HuiliuSimulator", "HuiliuHJ212", "HuiliuIngest", "HuiliuTransport",
            "HuiliuReplay", "CJemalloc", "CStdio",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        .testTarget(name: "HuiliuCoreTests", dependencies: ["HuiliuCore"], swiftSettings: strict),
        .testTarget(name: "HuiliuExpressionTests", dependencies: ["HuiliuExpression", "HuiliuCore"], swiftSettings: strict),
        .testTarget(name: "HuiliuSchemaTests", dependencies: ["HuiliuSchema", "HuiliuCore"], swiftSettings: strict),
        .testTarget(name: "HuiliuRegexTests", dependencies: ["HuiliuRegex"], swiftSettings: strict),
        .testTarget(name: "HuiliuScheduleTests", dependencies: ["HuiliuSchedule", "HuiliuCore"], swiftSettings: strict),
        .testTarget(name: "HuiliuEnvironmentTests", dependencies: ["HuiliuEnvironment", "HuiliuCore"], swiftSettings: strict),
        .testTarget(name: "HuiliuKitTests", dependencies: ["HuiliuKit", "HuiliuKitTesting"], swiftSettings: strict),
        .testTarget(name: "HuiliuStoreTests", dependencies: ["HuiliuStore", "HuiliuTestSupport"], swiftSettings: strict),
        // Loopback servers and fixtures the transport and declarative tests share (test
        // targets cannot share sources; this target exists only for them).
        .target(name: "HuiliuTestSupport", dependencies: ["HuiliuKitTesting"], path: "Tests/Shared", swiftSettings: strict),
        .testTarget(name: "HuiliuTransportTests", dependencies: ["HuiliuTransport", "HuiliuCore", "HuiliuTestSupport"], exclude: ["Fixtures"],
                    swiftSettings: strict),
        .testTarget(name: "HuiliuHJ212Tests", dependencies: [
            "HuiliuHJ212", "HuiliuKitTesting", "HuiliuStore", "HuiliuTestSupport", .product(name: "NIOEmbedded", package: "swift-nio"),
        ], swiftSettings: strict),
        .testTarget(name: "HuiliuIngestTests", dependencies: [
            "HuiliuIngest", "HuiliuKitTesting", "HuiliuTestSupport",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .testTarget(name: "HuiliuServerTests", dependencies: ["HuiliuServer", "HuiliuKitTesting"], swiftSettings: strict),
        .testTarget(name: "HuiliuSimulatorTests", dependencies: ["HuiliuSimulator", "HuiliuCore"], swiftSettings: strict),
        .testTarget(name: "HuiliuConnectorsTests", dependencies: ["HuiliuConnectors", "HuiliuKitTesting", "HuiliuTestSupport"],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "HuiliuDeclarativeTests", dependencies: [
            "HuiliuConnectors", "HuiliuKitTesting", "HuiliuReplay", "HuiliuSimulator", "HuiliuTransport", "HuiliuHJ212",
            "HuiliuTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "HuiliuEngineTests", dependencies: [
            "HuiliuEngine", "HuiliuExpression", "HuiliuKitTesting", "HuiliuSchema", "HuiliuTestSupport",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ], swiftSettings: strict),
        .testTarget(name: "HuiliuEndToEndTests", dependencies: ["HuiliuCore", "CSQLite", "HuiliuKitTesting", "HuiliuTestSupport"], exclude: ["LintCorpus"],
                    swiftSettings: strict),
    ]
)
