// swift-tools-version:6.1
// WindTunnel: language-model scaling experiments on a CPU workstation.
// Module map and dependency rules: see README.md ("Where things live").
import PackageDescription

/// Kernels are plain loops over raw buffers; -Ounchecked drops the integer-overflow traps that
/// otherwise block vectorisation. Shape and argument checks use fatalError/throws, which stay.
let kernelSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

let package = Package(
    name: "WindTunnel",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "windtunnel", targets: ["windtunnel"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Data", targets: ["Data"]),
        .library(name: "Trainer", targets: ["Trainer"]),
        .library(name: "Sweep", targets: ["Sweep"]),
        .library(name: "ScalingLaws", targets: ["ScalingLaws"]),
        .library(name: "Plot", targets: ["Plot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "Tensor", dependencies: ["COpenBLAS"], swiftSettings: kernelSettings),
        .target(name: "NN", dependencies: ["Tensor"], swiftSettings: kernelSettings),
        .target(name: "Data", swiftSettings: kernelSettings),
        .target(name: "Trainer", dependencies: ["NN", "Data"], swiftSettings: kernelSettings),
        .target(name: "Sweep", dependencies: ["Trainer"]),
        .target(name: "ScalingLaws", swiftSettings: kernelSettings),
        .target(name: "Plot"),
        .target(name: "FitReports", dependencies: ["ScalingLaws", "Plot"]),
        .executableTarget(
            name: "windtunnel",
            dependencies: [
                "Tensor", "NN", "Data", "Trainer", "Sweep", "ScalingLaws", "Plot", "FitReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: kernelSettings
        ),
        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        // Running the built binary and rendering charts, for the targets that test through them.
        .target(name: "CommandTestSupport", path: "Tests/CommandTestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensor", "TestSupport"]),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer", "NN", "Data", "Tensor", "TestSupport", "CommandTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PlotTests", dependencies: ["Plot", "CommandTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DataTests", dependencies: ["Data"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ScalingLawsTests", dependencies: ["ScalingLaws"], resources: [.copy("Fixtures")]),
        // Builds every law's report and charts in-process (published tables: ScalingLawsTests/Fixtures).
        .testTarget(name: "FitReportsTests", dependencies: ["FitReports", "ScalingLaws", "Plot", "CommandTestSupport"]),
        // Runs the built `windtunnel` binary (swift build --build-tests builds it) as a subprocess.
        .testTarget(name: "CLITests", dependencies: ["CommandTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SweepTests", dependencies: ["Sweep", "Trainer", "NN", "Data", "CommandTestSupport"]),
    ]
)
