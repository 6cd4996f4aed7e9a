// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "LineKit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LineCore", targets: ["LineCore"]),
        .library(name: "LineLogin", targets: ["LineLogin"]),
        .library(name: "LineMessaging", targets: ["LineMessaging"]),
        .library(name: "LineEmulator", targets: ["LineEmulator"]),
        .library(name: "LineEmulatorPostgres", targets: ["LineEmulatorPostgres"]),
        .library(name: "LineEmulatorTesting", targets: ["LineEmulatorTesting"]),
        .executable(name: "linekit", targets: ["linekit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.0.0"),
    ],
    targets: [
        .target(
            name: "LineCore",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LineLogin",
            dependencies: [
                "LineCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LineMessaging",
            dependencies: [
                "LineCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LineKitDemo",
            dependencies: [
                "LineCore",
                "LineLogin",
                "LineMessaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LineEmulator",
            dependencies: [
                "LineCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Resources/Templates")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LineEmulatorPostgres",
            dependencies: [
                "LineEmulator",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LineEmulatorTesting",
            dependencies: [
                "LineEmulator",
                "LineEmulatorPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "linekit",
            dependencies: [
                "LineEmulator",
                "LineEmulatorPostgres",
                "LineKitDemo",
                "LineLogin",
                "LineMessaging",
                "LineCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LineCoreTests",
            dependencies: ["LineCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LineLoginTests",
            dependencies: [
                "LineLogin",
                "LineCore",
                "LineEmulator",
                "LineEmulatorTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LineMessagingTests",
            dependencies: [
                "LineMessaging",
                "LineCore",
                "LineEmulator",
                "LineEmulatorTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LineEmulatorTests",
            dependencies: [
                "LineEmulator",
                "LineEmulatorPostgres",
                "LineEmulatorTesting",
                "LineMessaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// The channel token provider is a swift-service-lifecycle Service (background renewal until graceful shutdown).
for target in package.targets where target.name == "LineMessaging" {
    target.dependencies.append(.product(name: "ServiceLifecycle", package: "swift-service-lifecycle"))
}
for target in package.targets where target.name == "LineMessagingTests" {
    target.dependencies.append(.product(name: "ServiceLifecycle", package: "swift-service-lifecycle"))
}

// Channel access tokens shared by a fleet through PostgreSQL: a product of its own, so apps that keep tokens in memory
// (or in a store of their own) never build postgres-nio.
package.products.append(.library(name: "LineMessagingPostgres", targets: ["LineMessagingPostgres"]))
package.targets.append(
    .target(
        name: "LineMessagingPostgres",
        dependencies: [
            "LineMessaging",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings
    )
)
for target in package.targets where target.name == "linekit" {
    target.dependencies.append("LineMessagingPostgres")
}
for target in package.targets where target.name == "LineMessagingTests" {
    target.dependencies += [
        "LineMessagingPostgres",
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
    ]
}

// LINE Login in a couple of lines of a Hummingbird app (issue 17): its own product, so apps on other frameworks never
// build Hummingbird or hummingbird-auth for it.
package.dependencies.append(.package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.0.0"))
package.products.append(.library(name: "LineLoginHummingbird", targets: ["LineLoginHummingbird"]))
package.targets += [
    .target(
        name: "LineLoginHummingbird",
        dependencies: [
            "LineLogin",
            "LineCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "LineLoginHummingbirdTests",
        dependencies: [
            "LineLoginHummingbird",
            "LineLogin",
            "LineCore",
            "LineMessaging",
            "LineEmulator",
            "LineEmulatorTesting",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ],
        swiftSettings: swiftSettings
    ),
]
for target in package.targets where target.name == "LineKitDemo" {
    target.dependencies += ["LineLoginHummingbird", .product(name: "HummingbirdAuth", package: "hummingbird-auth")]
}

// The same for a Vapor 4 app: a product of its own, so Hummingbird apps never build Vapor.
package.dependencies.append(.package(url: "https://github.com/vapor/vapor.git", from: "4.100.0"))
package.products.append(.library(name: "LineLoginVapor", targets: ["LineLoginVapor"]))
package.targets += [
    .target(
        name: "LineLoginVapor",
        dependencies: [
            "LineLogin",
            "LineCore",
            .product(name: "Vapor", package: "vapor"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "LineLoginVaporTests",
        dependencies: [
            "LineLoginVapor",
            "LineLogin",
            "LineCore",
            "LineMessaging",
            "LineEmulator",
            "LineEmulatorTesting",
            .product(name: "Vapor", package: "vapor"),
            .product(name: "VaporTesting", package: "vapor"),
        ],
        swiftSettings: swiftSettings
    ),
]

// `swift package generate-documentation` and `preview-documentation` for writing the DocC catalogs (scripts/build-docs
// runs docc itself in CI). A command plugin only: nothing of it is linked into any product.
package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.4.0"))

// Test doubles of LineTransport for apps' unit tests (issue 13): a product of its own, so production builds never
// carry them.
package.products.append(.library(name: "LineKitTesting", targets: ["LineKitTesting"]))
package.targets.append(
    .target(
        name: "LineKitTesting",
        dependencies: ["LineCore", .product(name: "HTTPTypes", package: "swift-http-types")],
        swiftSettings: swiftSettings
    )
)
for target in package.targets where ["LineLoginTests", "LineMessagingTests"].contains(target.name) {
    target.dependencies.append("LineKitTesting")
}

// The README's Swift examples, compiled and run (issue 13); ReadmeSyncTests keeps them identical to the README.
package.targets.append(
    .testTarget(
        name: "ReadmeExampleTests",
        dependencies: [
            "LineCore", "LineLogin", "LineMessaging", "LineMessagingPostgres", "LineKitTesting", "LineEmulator", "LineEmulatorTesting",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
        ],
        swiftSettings: swiftSettings
    )
)
// LINE webhooks in a Hummingbird or a Vapor route (issue 15): one small product each, so apps on one framework never
// build the other.
package.products += [
    .library(name: "LineMessagingHummingbird", targets: ["LineMessagingHummingbird"]),
    .library(name: "LineMessagingVapor", targets: ["LineMessagingVapor"]),
]
package.targets += [
    .target(
        name: "LineMessagingHummingbird",
        dependencies: [
            "LineMessaging",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "LineMessagingVapor",
        dependencies: ["LineMessaging", .product(name: "Vapor", package: "vapor")],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "LineMessagingHummingbirdTests",
        dependencies: [
            "LineMessagingHummingbird",
            "LineMessaging",
            "LineCore",
            "LineEmulator",
            "LineEmulatorTesting",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "LineMessagingVaporTests",
        dependencies: [
            "LineMessagingVapor",
            "LineMessaging",
            .product(name: "Vapor", package: "vapor"),
            .product(name: "VaporTesting", package: "vapor"),
            .product(name: "Crypto", package: "swift-crypto"),
        ],
        swiftSettings: swiftSettings
    ),
]
for target in package.targets where target.name == "LineKitDemo" {
    target.dependencies.append("LineMessagingHummingbird")
}

// The DocC articles' examples are compiled beside the README's (ArticleExampleTests): they also show the PostgreSQL
// storage and the emulator embedded in a Hummingbird process.
for target in package.targets where target.name == "ReadmeExampleTests" {
    target.dependencies += ["LineEmulatorPostgres", .product(name: "Hummingbird", package: "hummingbird")]
}
