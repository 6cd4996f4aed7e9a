// swift-tools-version:6.1
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, so the LineKit package is named after the clone's directory.
let lineKit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

// The benchmarks live in their own package so that ordo-one/benchmark stays out of LineKit's dependencies.
//
//   cd Benchmarks && swift package benchmark                      # run
//   swift package benchmark thresholds check                       # compare with Thresholds/ (CI)
//   swift package --allow-writing-to-package-directory benchmark thresholds update
let package = Package(
    name: "LineKitBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "LineKitBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LineCore", package: lineKit),
                .product(name: "LineLogin", package: lineKit),
                .product(name: "LineMessaging", package: lineKit),
                .product(name: "LineEmulatorTesting", package: lineKit),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "LineKitBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
