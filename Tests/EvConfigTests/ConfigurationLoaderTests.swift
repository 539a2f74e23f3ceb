import EvConfig
import EvCore
import EvTestSupport
import EvViews
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Configuration file")
struct ConfigurationLoaderTests {
    static let example = String(#filePath.dropLast("Tests/EvConfigTests/ConfigurationLoaderTests.swift".count)) + "evq.example.yaml"

    @Test("the example file states exactly the built-in defaults")
    func exampleIsDefaults() throws {
        let config = try ConfigurationLoader.load(path: Self.example)
        let defaults = Configuration()
        #expect(config.freshness == defaults.freshness)
        #expect(config.slotLimit == 100 && config.slotWarningAt == 90)
        #expect(config.tiers == defaults.tiers)
        #expect(config.seriesMax == defaults.seriesMax)
        #expect(config.rules == AlertRule.defaults)
        #expect(config.maxFutureSkew == defaults.maxFutureSkew && config.timelineMemoryMax == defaults.timelineMemoryMax)
    }

    /// Issue 15, item 10: `--config /dev/zero` read until evqd aborted, `--config /tmp` started on the defaults, and
    /// `{step: 5s, points: 100000}` tiers were accepted (3 MB per series).
    @Test("what is not a configuration file is refused: a device, a directory, a FIFO, a huge file")
    func notAFile() throws {
        let dir = TemporaryDirectory()
        #expect(mkfifo(dir.path + "/fifo", 0o644) == 0)
        let big = dir.path + "/big.yaml"
        let f = fopen(big, "w")!
        let line = Array("# padding padding padding padding padding padding padding padding padding padding\n".utf8)
        for _ in 0..<(ConfigurationLoader.fileBytesMax / line.count + 1) { _ = fwrite(line, 1, line.count, f) }
        fclose(f)
        for (path, reason) in [
            ("/dev/zero", "not a regular file"), ("/tmp", "not a regular file"), (dir.path + "/fifo", "not a regular file"),
            (big, "a configuration is at most"), (dir.path + "/missing.yaml", "cannot read the file"),
        ] {
            let error = #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(path: path) }
            #expect(error?.description.contains(reason) == true, "\(path): \(String(describing: error))")
        }
    }

    @Test("tiers whose rings could outgrow timelines.memory_max are refused with the estimate")
    func memoryEstimate() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse("timelines:\n  tiers:\n    - { step: 5s, points: 100000 }\n")
        }
        #expect(error?.description.contains("memory_max") == true, "\(String(describing: error))")
        #expect(error?.description.contains("series_max 25000 × 100000 points") == true, "\(String(describing: error))")
        let fits = try ConfigurationLoader.parse("timelines:\n  series_max: 1000\n  tiers:\n    - { step: 5s, points: 100000 }\n")
        #expect(fits.tiers == [Timelines.Tier(stepSeconds: 5, points: 100000)])
        let raised = try ConfigurationLoader.parse("timelines:\n  memory_max: 64GiB\n  tiers:\n    - { step: 5s, points: 100000 }\n")
        #expect(raised.timelineMemoryMax == 64 << 30)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse("timelines:\n  memory_max: 12XB\n") }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse("timelines:\n  memory_max: 9999999999999TiB\n") }
    }

    @Test("max_future_skew is read as a duration")
    func futureSkew() throws {
        #expect(try ConfigurationLoader.parse("max_future_skew: 5m\n").maxFutureSkew == 300_000_000_000)
        #expect(try ConfigurationLoader.parse("max_future_skew: 0\n").makeViews().maxFutureSkew == 0)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse("max_future_skew: -1s\n") }
    }

    @Test("an empty file is the defaults")
    func empty() throws {
        #expect(try ConfigurationLoader.parse("").rules == AlertRule.defaults)
        #expect(try ConfigurationLoader.parse("# nothing\n").tiers == Configuration().tiers)
    }

    @Test("every section is read: freshness, slots, tiers, rules (disable, replace, add)")
    func everything() throws {
        let config = try ConfigurationLoader.parse(
            """
            health: { fresh_below: 10s, stale_above: 2m }
            slots: { limit: 50, warning_at: 40 }
            timelines:
              series_max: 100
              tiers: [ { step: 5s }, { step: 1m, points: 60 } ]
            rules:
              disable: [disk_low, disk_critical]
              custom:
                - name: cpu_high
                  severity: critical
                  series: { measurement: cpu, field: usage_idle, tags: { host: db1 } }
                  below: 30
                  resolve: 35
                  for: 90s
                  refire_after: 1h
                - { name: gw_yellow, component_status: yellow, severity: info }
                - { name: feed_stale, stale_after: 500ms }
                - { name: slots_80, slots_at_least: 80, resolve_below: 70 }
            """
        )
        #expect(config.freshness == FreshnessThresholds(freshBelowSeconds: 10, staleAboveSeconds: 120))
        #expect(config.slotLimit == 50 && config.slotWarningAt == 40)
        #expect(config.tiers == [Timelines.Tier(stepSeconds: 5), Timelines.Tier(stepSeconds: 60, points: 60)])
        #expect(config.seriesMax == 100)
        let names = config.rules.map(\.name)
        #expect(!names.contains("disk_low") && !names.contains("disk_critical"))
        #expect(names.filter { $0 == "cpu_high" }.count == 1)
        let cpu = config.rules.first { $0.name == "cpu_high" }!
        #expect(cpu.severity == "critical")
        #expect(cpu.refireAfterNanoseconds == 3_600_000_000_000)
        #expect(
            cpu.condition
                == .series(SeriesMatcher(measurement: "cpu", field: "usage_idle", tags: ["host": "db1"]), .below, threshold: 30, resolve: 35, forNanoseconds: 90_000_000_000)
        )
        #expect(config.rules.first { $0.name == "gw_yellow" }?.condition == .componentStatus(.yellow))
        #expect(config.rules.first { $0.name == "feed_stale" }?.condition == .stale(afterNanoseconds: 500_000_000))
        #expect(config.rules.first { $0.name == "slots_80" }?.condition == .slotsUsed(atLeast: 80, resolveBelow: 70))
        let views = config.makeViews()
        #expect(views.slots.limit == 50)
        #expect(views.timelines.tiers.count == 2)
    }

    @Test(
        "mistakes are reported with the file, the key path and what is wrong",
        arguments: [
            ("helth: {}", "unknown key \"helth\""),
            ("slots: { limit: many }", "slots.limit (line 1): expected a whole number, got \"many\""),
            ("slots: { limit: 0 }", "slots.limit (line 1): must be between 1 and"),
            ("health: { fresh_below: 2m, stale_above: 1m }", "fresh_below must not be above stale_above"),
            ("timelines: { tiers: [ { step: 2.5s } ] }", "a step is a whole number of seconds"),
            ("timelines: { tiers: [] }", "at least one tier"),
            ("rules: { disable: [nope] }", "rules.disable[0] (line 1): no rule named \"nope\""),
            ("rules: { custom: [ { name: x, series: { measurement: m, field: f } } ] }", "exactly one of above or below"),
            ("rules: { custom: [ { name: x, series: { measurement: m, field: f }, above: 5, resolve: 9 } ] }", "resolve must be on the safe side"),
            ("rules: { custom: [ { name: x, severity: fatal, stale_after: 1m } ] }", "severity must be info, warning or critical"),
            ("rules: { custom: [ { name: x } ] }", "a rule needs one of series"),
            ("rules: { custom: [ { name: x, stale_after: soon } ] }", "expected a duration like 30s or 10m, got \"soon\""),
            ("slots: [1, 2", "not valid YAML"),
            // Durations that do not fit in 64-bit nanoseconds are refused, not a trap.
            ("health: { fresh_below: 1e30, stale_above: 1e31 }", "health.fresh_below (line 1): a duration is at most 1000000000s"),
            ("timelines: { tiers: [ { step: 1e30 } ] }", "a duration is at most 1000000000s"),
            ("rules: { custom: [ { name: x, stale_after: 99999999999d } ] }", "a duration is at most 1000000000s"),
            ("rules: { custom: [ { name: x, series: { measurement: m, field: f }, above: 1, for: 1e19 } ] }", "a duration is at most"),
        ]
    )
    func errors(yaml: String, message: String) {
        do {
            _ = try ConfigurationLoader.parse(yaml, file: "evq.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.hasPrefix("evq.yaml: "))
            #expect(error.description.contains(message), "\(error.description)")
        }
    }
}
