// swift-tools-version:6.1
// Kernel and training-step benchmarks (ordo-one/package-benchmark), a package of its own that
// depends on WindTunnel by path (the swift-nio layout), so the main build and CI stay lean.
// Run from this directory: swift package benchmark   (release build, see README.md here).
import Foundation
import PackageDescription

/// A path dependency's identity is its directory's name, which depends on where the repo was
/// cloned; derive it instead of hard-coding "windtunnel".
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "WindTunnelBenchmarks",
    platforms: [.macOS(.v15)],  // as the root package (its worker pool uses Synchronization)
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Kernels",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "Tensor", package: root),
                .product(name: "Trainer", package: root),
                .product(name: "NN", package: root),
            ],
            path: "Benchmarks/Kernels",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
