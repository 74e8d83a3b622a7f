import Foundation
import RunSchema

/// Run ids: a readable prefix from the values that vary (`d64-l2-c1e13`) plus a short hash of the
/// resolved config, so the same config always gets the same directory and a changed config a new
/// one (a finished run is never overwritten by an edited spec).
public enum RunIdentity {
    /// Short names for the key paths sweeps vary most; other paths use their last component.
    static let shortNames: [String: String] = [
        "model.d_model": "d", "model.n_layer": "l", "model.n_head": "h", "model.d_ff": "ff",
        "model.context_length": "ctx", "model.moe.num_experts": "e", "model.moe.top_k": "k",
        "model.moe.granularity": "g", "model.moe.shared_experts": "se", "optim.lr": "lr",
        "optim.weight_decay": "wd", "train.batch_size": "bs", "train.tokens": "t", "train.steps": "steps",
        "train.flops": "c", "seed": "seed", "schedule.warmup_steps": "wu", "schedule.milestones": "ms",
        "schedule.milestone_fractions": "ms", "schedule.min_lr_ratio": "min", "schedule.horizon_steps": "hz",
        "data.train_subset_tokens": "sub",
        // Categorical settings read well as the bare value.
        "schedule.kind": "", "schedule.decay_shape": "", "model.activation": "", "model.norm": "",
        "model.positional": "",
    ]
    /// Key paths whose values are file paths: the label is the last path component
    /// (`data/shakespeare_bpe512` → `shakespeare_bpe512`), which is what tells runs apart.
    static let pathValued: Set<String> = ["data.dir"]

    /// One label part for a key path and value, e.g. ("model.d_model", 64) → "d64". A short list
    /// of scalars reads as its values (`ms0.5_0.75`); null (the key left at its default in this
    /// zip entry) gives an empty label, which run ids leave out.
    public static func label(path: String, value: JSONValue) -> String {
        let name = shortNames[path] ?? sanitize(String(path.split(separator: ".").last ?? ""))
        let shown: String
        switch value {
        case .array(let items) where items.count <= 4 && items.allSatisfy(isScalar):
            shown = items.map { label(path: "", value: $0) }.joined(separator: "_")
        case .object, .array: shown = String(format: "%08x", hash32(value.canonical))
        case .null: return ""
        case .string(let text) where pathValued.contains(path):
            return sanitize(String(text.split(separator: "/").last ?? ""))
        case .int(let i): shown = compactNumber(Double(i))
        default: shown = value.description
        }
        return sanitize(name + shown)
    }

    /// The label parts of a list of assignments, in order, without the empty ones (nulls).
    public static func labels<S: Sequence>(_ assignments: S) -> [String] where S.Element == (String, JSONValue) {
        assignments.map { label(path: $0.0, value: $0.1) }.filter { !$0.isEmpty }
    }

    /// `prefix-xxxxxxxx`, the hash over the canonical JSON of the identity config.
    public static func id(prefix: String, identity: JSONValue) -> String {
        let p = String(prefix.prefix(80))
        let h = String(format: "%08x", hash32(identity.canonical))
        return p.isEmpty ? h : "\(p)-\(h)"
    }

    static func isScalar(_ value: JSONValue) -> Bool {
        switch value {
        case .object, .array, .null: return false
        default: return true
        }
    }

    static func sanitize(_ s: String) -> String {
        String(s.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII || ".-_".unicodeScalars.contains($0) }
            .map(Character.init))
    }

    /// FNV-1a (64-bit) folded to 32 bits: stable across runs and platforms (unlike `hashValue`).
    static func hash32(_ text: String) -> UInt32 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        return UInt32(truncatingIfNeeded: h ^ (h >> 32))
    }
}
