import COpenBLAS
import Foundation

/// Which OpenBLAS kernels run. Debian's OpenBLAS is built with DYNAMIC_ARCH: at load time it
/// reads cpuid and picks a kernel set, and on a CPU model it does not know it falls back to
/// Prescott (SSE3). Virtual machines that report a generic model ("Intel(R) Xeon(R) Processor")
/// hit that fallback although they have AVX2 or AVX-512: on one such 2-vCPU VM, 1-thread sgemm
/// at n = 1024 ran at 22 GFLOP/s with Prescott kernels, 78 with Haswell and 120–150 with SkylakeX
/// (`OPENBLAS_CORETYPE=… windtunnel bench gemm --threads 1`). The choice is made when the library
/// loads, before any of our code runs, so the CLI re-executes itself once with
/// OPENBLAS_CORETYPE set (`reexecWithBetterKernelsIfNeeded`). A user's own OPENBLAS_CORETYPE
/// always wins.
public enum BLASKernels {
    /// The kernel set OpenBLAS chose (e.g. "Haswell", "SkylakeX", "Zen", "Prescott").
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// Kernel sets that mean "DYNAMIC_ARCH did not recognise this CPU".
    static let fallbackCores: Set<String> = ["prescott", "core2", "katmai", "coppermine", "northwood", "banias", "unknown"]

    /// The best kernel set the CPU's flags (as in /proc/cpuinfo) support: SkylakeX needs
    /// AVX-512 F, BW, DQ and VL; Haswell needs AVX2 and FMA; nil below that.
    public static func preferredCoreType(cpuFlags: Set<String>) -> String? {
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The flags of the first processor in /proc/cpuinfo (empty where there is none).
    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// What a re-exec would set, or nil when the loaded kernels are fine, the user chose, or
    /// the CPU offers nothing better.
    public static func betterCoreType(environment: [String: String], loadedCore: String, cpuFlags: Set<String>) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, fallbackCores.contains(loadedCore.lowercased()) else { return nil }
        return preferredCoreType(cpuFlags: cpuFlags)
    }

    /// When OpenBLAS fell back to generic kernels on a CPU that supports better ones, sets
    /// OPENBLAS_CORETYPE and replaces this process with a fresh copy of the same executable and
    /// arguments (the library re-reads it at load). Returns only when no re-exec is needed or
    /// exec failed (then the process goes on with the loaded kernels).
    public static func reexecWithBetterKernelsIfNeeded() {
        guard let core = betterCoreType(environment: ProcessInfo.processInfo.environment,
                                        loadedCore: coreName, cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let args = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // exec failed: carry on with what is loaded, and do not pretend otherwise.
        unsetenv("OPENBLAS_CORETYPE")
        for p in argv { free(p) }
    }
}
