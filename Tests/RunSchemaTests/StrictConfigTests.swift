import Foundation
import RunSchema
import Testing

/// Bad configs get one message naming the field and what was expected (issue 17's probes).
@Suite struct StrictConfigTests {
    /// A complete config with the given `train` section body.
    func config(model: String = "", train: String = #""batch_size": 4, "steps": 10"#, schedule: String = "") -> String {
        """
        {"data": {"dir": "/nonexistent"},
         "model": {"vocab_size": 64, "context_length": 16, "d_model": 16, "n_layer": 1, "n_head": 2\(model)},
         "train": {\(train)}, "optim": {"lr": 1e-3}\(schedule.isEmpty ? "" : #", "schedule": {"# + schedule + "}")}
        """
    }

    /// The first problem: decoding errors carry the source, `validate` errors name the field
    /// (`TrainConfig.load` prefixes the file to those).
    func problem(_ json: String) -> String? {
        do {
            let c = try ConfigLoading.decode(TrainConfig.self, from: Data(json.utf8), source: "c.json")
            try c.validate()
            return nil
        } catch { return "\(error)" }
    }

    @Test func syntaxErrorsSayWhere() {
        #expect(problem("{\"seed\": 1,\n \"data\": {\"dir\": x}}") == "c.json: invalid JSON at line 2, column 18: expected a value (object, array, string, number, true, false or null)")
        #expect(problem("{\"seed\": 1") == "c.json: invalid JSON at line 1, column 11: unexpected end of input inside an object")
        #expect(problem(#"{"seed": 1} x"#) == "c.json: invalid JSON at line 1, column 13: unexpected text after the JSON value")
    }

    @Test func duplicateKeysAreRejected() {
        #expect(problem(#"{"seed": 1, "seed": 2}"#) == #"c.json: invalid JSON at line 1, column 13: duplicate key "seed": give each key once"#)
        let nested = config(train: #""batch_size": 4, "steps": 10, "steps": 20"#)
        #expect(problem(nested)?.contains(#"duplicate key "steps" (train.steps)"#) == true)
    }

    @Test func integerFieldsNameDecimalsAndOverflow() {
        #expect(problem(config(train: #""batch_size": 4, "steps": 2.5"#)) == "c.json: train.steps: expected an integer, got 2.5")
        #expect(problem(config(train: #""batch_size": 4, "steps": 99999999999999999999"#))
            == "c.json: train.steps: 1e20 is too large (at most 9223372036854775807)")
        #expect(problem(config(train: #""batch_size": 4, "steps": 10, "keep_checkpoints_at": [5, 7.5]"#))
            == "c.json: train.keep_checkpoints_at[1]: expected an integer, got 7.5")
        // An integral number in exponent form is an integer.
        #expect(problem(config(train: #""batch_size": 4, "steps": 1e2"#)) == nil)
    }

    @Test func enumsListTheirValues() {
        #expect(problem(config(schedule: #""kind": "bogus""#)) == #"c.json: schedule.kind: "bogus" is not one of constant, cosine, wsd, step"#)
        #expect(problem(config(model: #", "norm": "batchnorm""#)) == #"c.json: model.norm: "batchnorm" is not one of layernorm, rmsnorm"#)
    }

    @Test func wrongContainersSayWhatWasExpected() {
        #expect(problem(#"{"data": [1], "model": {}, "train": {}, "optim": {}}"#) == "c.json: data: expected an object, got a list")
        #expect(problem(config(train: #""batch_size": "four", "steps": 10"#)) == "c.json: train.batch_size: expected an integer")
    }

    @Test func budgetsAndSizesBeyondAnyMachineAreTooLarge() {
        #expect(problem(config(train: #""batch_size": 4, "tokens": 1e30"#))
            == "train.tokens: too large: 1.56e28 steps of 64 tokens (at most 1.1e12)")
        #expect(problem(config(model: #", "d_ff": 2e9"#)) == "model.d_ff: 2000000000 is too large (at most 1073741824)")
        #expect(problem(config(train: #""batch_size": 1e15, "steps": 10"#)) == "train.batch_size: too large: 1.6e16 tokens per step")
    }

    /// Decoded but validated separately (as `TrainConfig.load` does), prefixed like it.
    func memoryProblem(_ json: String, available: Double = 8 * 1024 * 1024 * 1024) throws -> String? {
        let c = try ConfigLoading.decode(TrainConfig.self, from: Data(json.utf8), source: "c.json")
        try c.validate()
        do { try MemoryEstimate(c).check(c, availableBytes: available); return nil } catch { return "\(error)" }
    }

    @Test func memoryEstimateNamesTheFieldThatDrivesIt() throws {
        #expect(try memoryProblem(config()) == nil)
        #expect(try memoryProblem(config(model: #", "d_ff": 500000000"#))?.hasPrefix("model.d_ff: 500000000: the activations of one micro-batch of 4 × 16 tokens need ≈ ") == true)
        #expect(try memoryProblem(config(model: #", "d_ff": 200000000"#, train: #""batch_size": 1, "steps": 10"#))?
            .hasPrefix("model.d_ff: the model (≈ 9.6e9 parameters, with gradients and AdamW state) needs ≈ ") == true)
        #expect(try memoryProblem(config(train: #""batch_size": 4, "steps": 10, "eval_batches": 1000000000"#))
            == "train.eval_batches: 1000000000 eval batches of 4 windows need ≈ 30 GB of memory, more than this machine's 8.0 GB")
        #expect(try memoryProblem(config(train: #""batch_size": 100000000, "steps": 10"#))?
            .hasPrefix("train.batch_size: 100000000: the activations of one micro-batch") == true)
        let deep = config().replacingOccurrences(of: #""n_layer": 1"#, with: #""n_layer": 1000000"#)
        #expect(try memoryProblem(deep)?.hasPrefix("model.n_layer: 1000000: the activations") == true)
    }

    @Test func fileErrorsReadPathColonReason() throws {
        let missing = URL(fileURLWithPath: "/nonexistent-dir/x.json")
        do { try Data().write(to: missing); Issue.record("wrote into a missing directory") } catch {
            #expect(FileErrors.message(error) == "/nonexistent-dir/x.json: no such file")
        }
        do { _ = try Data(contentsOf: URL(fileURLWithPath: "/")); Issue.record("read a directory") } catch {
            #expect(!FileErrors.message(error).contains("NSCocoaErrorDomain"))
            #expect(FileErrors.message(error).hasPrefix("/: "))
        }
    }
}

/// What a run directory says about itself when parts of it are damaged.
@Suite struct RunFilesTests {
    @Test func anUnreadableSummaryIsNeitherAbsentNorFinished() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runfiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = RunFiles(dir)
        guard case .absent = files.summaryState else { Issue.record("expected absent"); return }
        try Data(#"{"status": "fini"#.utf8).write(to: files.summary)
        guard case .unreadable(let reason) = files.summaryState else { Issue.record("expected unreadable"); return }
        #expect(reason == "not valid JSON")
        try Data(#"{"status": "finished"}"#.utf8).write(to: files.summary)
        guard case .unreadable(let missing) = files.summaryState else { Issue.record("expected unreadable"); return }
        #expect(missing.hasPrefix("missing field"))
    }

    @Test func temporaryFilesOfInterruptedWritesAreRemoved() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runfiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in [".dat.nosync1A2B.x7Yz9q", ".checkpoint_step10.safetensors.partial", "metrics.jsonl", "notes.partial"] {
            try Data("x".utf8).write(to: dir.appendingPathComponent(name))
        }
        #expect(Set(RunFiles(dir).removeTemporaryFiles()) == [".dat.nosync1A2B.x7Yz9q", ".checkpoint_step10.safetensors.partial"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["metrics.jsonl", "notes.partial"])
    }
}
