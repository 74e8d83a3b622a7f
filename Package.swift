// swift-tools-version:6.1
// WindTunnel: language-model scaling experiments on a CPU workstation.
// Module map and dependency rules: see README.md ("Where things live").
import PackageDescription

/// Kernels are plain loops over raw buffers; -Ounchecked drops the integer-overflow traps that
/// otherwise block vectorisation. Shape and argument checks use fatalError/throws, which stay.
let releaseFlags = ["-Ounchecked", "-wmo"]

/// The CPU the kernel modules are compiled for. Built for baseline x86-64, every SIMD8<Float> of
/// our elementwise kernels runs as two SSE halves with separate multiplies and adds. The Makefile
/// sets WINDTUNNEL_TARGET_CPU=haswell (AVX2+FMA, every x86 server since 2013) on CPUs that have
/// it: training steps at the quickstart's sizes take 15–25% less CPU time (README
/// "Performance"). `generic` or empty keeps the portable build. The CLI itself stays portable
/// and refuses to run kernels the CPU cannot execute (WindTunnel.swift).
let targetCPU: String? = {
    guard let cpu = Context.environment["WINDTUNNEL_TARGET_CPU"], !cpu.isEmpty, cpu != "generic" else { return nil }
    return cpu
}()

let kernelSettings: [SwiftSetting] = [
    .unsafeFlags(releaseFlags + (targetCPU.map { ["-target-cpu", $0] } ?? []), .when(configuration: .release)),
]
let cliSettings: [SwiftSetting] = [.unsafeFlags(releaseFlags, .when(configuration: .release))]
    + (targetCPU == nil ? [] : [.define("KERNELS_NEED_AVX2_FMA", .when(configuration: .release))])

/// libxsmm's JIT kernels for the small products a training step is made of (Sources/Tensor/
/// SmallGEMM.swift says which, from Scripts/gemm-shapes.c); x86-64 only, like libxsmm.
#if arch(x86_64)
let smallGEMM: [Target.Dependency] = ["CSmallGEMM"]
let smallGEMMTargets: [Target] = [
    .systemLibrary(name: "CLibxsmm", pkgConfig: "libxsmm", providers: [.apt(["libxsmm-dev"])]),
    .target(name: "CSmallGEMM", dependencies: ["CLibxsmm"]),
]
#else
let smallGEMM: [Target.Dependency] = []
let smallGEMMTargets: [Target] = []
#endif

let package = Package(
    name: "WindTunnel",
    platforms: [.macOS(.v15)],  // Synchronization (Atomic, Mutex: the worker pool) needs macOS 15
    products: [
        .executable(name: "windtunnel", targets: ["windtunnel"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "RunSchema", targets: ["RunSchema"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Data", targets: ["Data"]),
        .library(name: "Trainer", targets: ["Trainer"]),
        .library(name: "Sweep", targets: ["Sweep"]),
        .library(name: "ScalingLaws", targets: ["ScalingLaws"]),
        .library(name: "Plot", targets: ["Plot"]),
        .library(name: "FitReports", targets: ["FitReports"]),
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
        // zlib, for reading gzip-compressed corpora (`data prepare`).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // CPU probes in C (per-function vector ISA): FMA chains for the measured peak behind MFU,
        // and whether the CPU can run kernels built for WINDTUNNEL_TARGET_CPU.
        .target(name: "CCPUProbe"),
        .target(name: "Tensor", dependencies: ["COpenBLAS", "CCPUProbe"] + smallGEMM, swiftSettings: kernelSettings),
        // Configs, accounting, run and sweep layout, metrics.jsonl: Foundation only, below all of
        // the stages (the sweep, the fitter and the plots never link the model).
        .target(name: "RunSchema"),
        .target(name: "NN", dependencies: ["Tensor", "RunSchema"], swiftSettings: kernelSettings),
        .target(name: "Data", dependencies: ["RunSchema", "CZlib"], swiftSettings: kernelSettings),
        .target(name: "Trainer", dependencies: ["NN", "Data", "RunSchema"], swiftSettings: kernelSettings),
        .target(name: "Sweep", dependencies: ["RunSchema"]),
        .target(name: "ScalingLaws", dependencies: ["RunSchema"], swiftSettings: kernelSettings),
        .target(name: "Plot", dependencies: ["RunSchema"]),
        // Laws → tables, charts, fit.json and report files; the CLI only parses arguments.
        .target(name: "FitReports", dependencies: ["ScalingLaws", "Plot", "RunSchema"]),
        .executableTarget(
            name: "windtunnel",
            dependencies: [
                "Tensor", "RunSchema", "NN", "Data", "Trainer", "Sweep", "ScalingLaws", "Plot", "FitReports",
                "CCPUProbe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: cliSettings
        ),
        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        // Running the built binary and rendering charts, for the targets that test through them.
        .target(name: "CommandTestSupport", path: "Tests/CommandTestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "RunSchemaTests", dependencies: ["RunSchema"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "RunSchema", "Tensor", "TestSupport"]),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer", "RunSchema", "NN", "Data", "Tensor", "TestSupport", "CommandTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PlotTests", dependencies: ["Plot", "RunSchema", "CommandTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DataTests", dependencies: ["Data", "RunSchema", "CZlib"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ScalingLawsTests", dependencies: ["ScalingLaws", "RunSchema"], resources: [.copy("Fixtures")]),
        // Builds every law's report and charts in-process (published tables: ScalingLawsTests/Fixtures).
        .testTarget(name: "FitReportsTests", dependencies: ["FitReports", "ScalingLaws", "Plot", "CommandTestSupport"]),
        // Runs the built `windtunnel` binary (swift build --build-tests builds it) as a subprocess.
        .testTarget(name: "CLITests", dependencies: ["CommandTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SweepTests", dependencies: ["Sweep", "RunSchema", "Data", "CommandTestSupport"]),
    ] + smallGEMMTargets
)
