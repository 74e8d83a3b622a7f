import Tensor
import Testing

/// The re-exec decision of `BLASKernels` (the exec itself is exercised by every CLI test that
/// runs the binary on a machine where OpenBLAS falls back).
@Suite struct BLASKernelsTests {
    let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]

    @Test func bestKernelsFollowTheCPUFlags() {
        #expect(BLASKernels.preferredCoreType(cpuFlags: avx512) == "SkylakeX")
        #expect(BLASKernels.preferredCoreType(cpuFlags: ["avx2", "fma", "avx512f"]) == "Haswell")  // F alone is not enough
        #expect(BLASKernels.preferredCoreType(cpuFlags: ["avx", "sse3"]) == nil)
    }

    @Test func reexecOnlyWhenTheLibraryFellBackAndTheUserDidNotChoose() {
        #expect(BLASKernels.betterCoreType(environment: [:], loadedCore: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(BLASKernels.betterCoreType(environment: [:], loadedCore: "Haswell", cpuFlags: avx512) == nil)
        #expect(BLASKernels.betterCoreType(environment: [:], loadedCore: "Zen", cpuFlags: ["avx2", "fma"]) == nil)
        #expect(BLASKernels.betterCoreType(environment: ["OPENBLAS_CORETYPE": "Prescott"], loadedCore: "Prescott", cpuFlags: avx512) == nil)
        #expect(BLASKernels.betterCoreType(environment: [:], loadedCore: "Prescott", cpuFlags: ["sse3"]) == nil)
    }

    @Test func theLoadedKernelsHaveAName() {
        #expect(!BLASKernels.coreName.isEmpty)
    }
}
