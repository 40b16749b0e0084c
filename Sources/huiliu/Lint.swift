import ArgumentParser
import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuKit
import HuiliuSchedule
import HuiliuConnectors
import Logging

extension Huiliu {
    /// `huiliu lint FILE…`: every problem, at `file:line:column`.
    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check pipeline files and connector manifests and report every problem.",
            discussion: """
                Each problem is printed as `file:line:column: message`, with a suggestion for misspelled \
                keys and options. A file named connector.yaml is checked as a connector manifest (its mappings \
                included). With no FILE, lints every pipeline config/huiliu.yaml lists and every \
                connectors/*/connector.yaml.
                With a shared PostgreSQL store, `file` sources and `jsonl` and `sqlite` sinks are warned about: \
                they are files of one host. Warnings do not change the exit status.
                Exit status: 0 clean, 1 problems found, 2 a file could not be read.

                Examples:
                  huiliu lint pipelines/*.yaml
                  huiliu lint pipelines/budget.yaml --quiet
                  huiliu lint connectors/*/connector.yaml
                """)

        @OptionGroup var options: GlobalOptions

        @Argument(help: "Pipeline files.")
        var files: [String] = []

        @Flag(help: "Print only the problems, no summary line.")
        var quiet = false

        /// `config/huiliu.yaml` when it is among the files to check: it is the gateway's
        /// configuration, not a pipeline.
        var gatewayFileNamed: String? {
            files.first { path in
                let url = URL(fileURLWithPath: path).standardizedFileURL
                return url.lastPathComponent == "huiliu.yaml" && url.deletingLastPathComponent().lastPathComponent == "config"
            }
        }

        func run() async throws {
            // The gateway's own file is checked first: its problems are findings (exit 1), and the
            // rest of the checks need it. Files named on the command line are checked wherever
            // they are.
            if options.config == nil && files.isEmpty { try requireProject(option: "--config") }
            let gateway: GatewayConfig
            do {
                gateway = try GatewayConfig.load(path: options.config ?? gatewayFileNamed)
            } catch {
                for problem in error.errors { printScrubbed(problem.description) }
                // A config file given that is not there is one lint cannot read, not one it found problems in.
                if let given = options.config, !FileManager.default.fileExists(atPath: given) { throw ExitCode(2) }
                printError("\(error.errors.count) problem\(error.errors.count == 1 ? "" : "s") in the gateway configuration; fix \(error.errors.count == 1 ? "it" : "them") first")
                throw ExitCode(1)
            }
            // What would stop `huiliu serve`: a listener's settings, and the HJ 212 station registry.
            let listeners = ListenerSections.read(gateway)
            let stations = ListenerSections.stationProblems(listeners.settings, gateway: gateway)
            let listenerProblems = listeners.problems + stations.problems
            for problem in ConfigErrors(listenerProblems).errors { printScrubbed(problem.description) }
            for warning in stations.warnings { printScrubbed(warning) }
            if gatewayFileNamed != nil && files.count == 1 {
                guard listenerProblems.isEmpty else {
                    printError("\(listenerProblems.count) problem\(listenerProblems.count == 1 ? "" : "s") in 1 file")
                    throw ExitCode(1)
                }
                printError("1 file checked, no problems")
                return
            }
            let registry = try builtInRegistry(gateway)
            let lookup = PipelineLookup(gateway: gateway, registry: registry)
            let loader = lookup.loader
            let services = try gatewayServices(gateway)
            let manifestLoader = ManifestLoader(functions: services[MappingResources.self]!.functions,
                                                projectDirectory: gateway.projectDirectory)
            let paths = files.isEmpty
                // Relative to where the command runs, so each path opens from there (and reads
                // short from the project root): `--config` from elsewhere found no file at all.
                ? (gateway.pipelineFiles() + manifestLoader.manifestFiles()).map { relative($0, to: FileManager.default.currentDirectoryPath) }
                : files.filter { $0 != gatewayFileNamed }.flatMap(Self.expand)
            var problemCount = listenerProblems.count
            var warningCount = stations.warnings.count
            // A pipeline file the `pipelines` patterns leave out (a .yml) is never run, nor linted.
            if files.isEmpty {
                let read = gateway.pipelineFiles()
                let folder = gateway.projectDirectory + "/pipelines"
                for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
                where [".yml", ".YML", ".YAML"].contains(where: name.hasSuffix) && !gateway.readsPipelineFile(folder + "/" + name, of: read) {
                    printScrubbed("\(relative(folder + "/" + name, to: FileManager.default.currentDirectoryPath)): warning: not read as a pipeline: "
                        + "config/huiliu.yaml's `pipelines` patterns are \(gateway.pipelinePatterns.joined(separator: ", ")); rename it to match")
                    warningCount += 1
                }
            }
            var unreadable = false
            var names: [String: String] = [:]
            var jsonlFiles: [String: String] = [:]
            let lintContext = lookup.checkContext("lint", services: services)
            for path in paths {
                var problems: [ConfigError] = []
                if (path as NSString).lastPathComponent == "connector.yaml" {
                    let (found, unreadableMessage) = ManifestLint.check(path: path, loader: manifestLoader, context: lintContext)
                    if let unreadableMessage {
                        printError(unreadableMessage)
                        unreadable = true
                        continue
                    }
                    for problem in ConfigErrors(found).errors { printScrubbed(problem.description) }
                    problemCount += found.count
                    continue
                }
                // A mapping file (connectors/<system>/mappings/<name>.yaml) is checked as the map
                // step that loads it would check it, not as a pipeline.
                if ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent == "mappings" {
                    var config = ParsedConfig(location: SourceLocation(file: path, line: 1, column: 1),
                                              baseDirectory: FileManager.default.currentDirectoryPath)
                    config.values["mapping"] = .string(path)
                    var found: [ConfigError] = []
                    do {
                        _ = try MapStep(config: config, context: lintContext)
                    } catch let error as ConfigError {
                        found = [error]
                    } catch let errors as ConfigErrors {
                        found = errors.errors
                    } catch {
                        found = [ConfigError(.invalidValue, at: config.location, "\(error)")]
                    }
                    for problem in ConfigErrors(found).errors { printScrubbed(problem.description) }
                    problemCount += found.count
                    continue
                }
                switch loader.load(path: path) {
                case .unreadable(let message):
                    printError(message)
                    unreadable = true
                    continue
                case .problems(let found):
                    problems = found + loader.componentProblems(path: path, context: lintContext)
                case .pipeline(let definition):
                    let context = definition.context(gateway: gateway, logger: Logger(label: "lint") { _ in SwiftLogNoOpLogHandler() },
                                                    services: services)
                    problems = loader.checkComponents(definition, context: context)
                    if let other = names[definition.name] {
                        let at = (try? YAMLDocument.loadPastRepeats(path: path).node)?["name"]?.location
                            ?? SourceLocation(file: path, line: 1, column: 1)
                        problems.append(ConfigError(.invalidValue, at: at, "pipeline name '\(definition.name)' is already used by \(other)"))
                    }
                    names[definition.name] = path
                    for sink in definition.sinks where sink.name == "jsonl" {
                        guard let file = sink.config["path"]?.stringValue else { continue }
                        let absolute = URL(fileURLWithPath: sink.config.resolvePath(file)).standardizedFileURL.path
                        if let other = jsonlFiles[absolute] {
                            // Each jsonl sink keeps its file's committed length: two writers cut each other's lines.
                            problems.append(ConfigError(.invalidValue, at: sink.location,
                                                        "this jsonl sink writes \(file), as does the one at \(other): give each a file of its own"))
                        } else {
                            jsonlFiles[absolute] = sink.location.description
                        }
                    }
                    for warning in Self.hostBound(definition, sharedStore: gateway.storeURL != nil) + Self.unheardChannel(definition, gateway: gateway)
                        + Self.pastSchedule(definition, gateway: gateway) + Self.missingFolder(definition) + Self.enveloped(definition)
                        + Self.rulesNeverReached(definition, registry: registry, context: lintContext) + definition.warnings {
                        printScrubbed(warning)
                        warningCount += 1
                    }
                }
                for problem in ConfigErrors(problems).errors { printScrubbed(problem.description) }
                problemCount += problems.count
            }
            if !quiet {
                let summary = unreadable && problemCount == 0
                    ? "not every file could be read"
                    : problemCount == 0
                    ? "\(paths.count) file\(paths.count == 1 ? "" : "s") checked, no problems"
                        + (warningCount > 0 ? ", \(warningCount) warning\(warningCount == 1 ? "" : "s")" : "")
                    : "\(problemCount) problem\(problemCount == 1 ? "" : "s") in \(paths.count) file\(paths.count == 1 ? "" : "s")"
                printError(summary)
            }
            // Outside a project the names a pipeline uses (mappings, rules, manifest connectors)
            // are looked up where the command runs, so each is reported missing.
            let here = FileManager.default.currentDirectoryPath
            if problemCount + warningCount > 0, options.config == nil, !isProject(here) {
                let root = files.lazy.compactMap { Self.enclosingProject(of: $0) }.first
                printError("note: \(here) is not a Huiliu project, so the mappings, rules and connectors a pipeline names are looked up here: "
                    + (root.map { "lint from the project's folder (\($0)) or give --config" } ?? "lint from the project's folder or give --config"))
            }
            if unreadable { throw ExitCode(2) }
            if problemCount > 0 { throw ExitCode(1) }
        }

        /// The nearest folder above `file` that is a project, if any.
        static func enclosingProject(of file: String) -> String? {
            var directory = URL(fileURLWithPath: file).standardizedFileURL.deletingLastPathComponent()
            while directory.path != "/" {
                if isProject(directory.path) { return directory.path }
                directory.deleteLastPathComponent()
            }
            return nil
        }
    }
}

extension Huiliu.Lint {
    /// A schedule whose year field is past (`0 0 1 1 * 2020`) fires no more: a warning, not a
    /// problem, since a one-off pipeline whose day has gone must not stop the daemon.
    static func pastSchedule(_ definition: PipelineDefinition, gateway: GatewayConfig) -> [String] {
        guard let schedule = definition.parsedSchedule(defaultZone: TimeZone(named: gateway.timezone) ?? Schedule.defaultZone),
              !schedule.runsAtStartup, schedule.next(after: Date(), anchor: Date()) == nil else { return [] }
        return ["\(definition.file): warning: schedule '\(definition.schedule ?? "")' never fires again (its last fire time in \(schedule.zone.identifier) is past)"]
    }

    /// Warnings for rule steps that no record of their entity reaches (a map before them makes
    /// another type): they never raise an alert, and the runs say nothing of it. Only where the
    /// types are known: a map's, or a file source's `type`.
    static func rulesNeverReached(_ definition: PipelineDefinition, registry: ConnectorRegistry, context: ConnectorContext) -> [String] {
        var types: Set<String>? = definition.source.name == "file" ? definition.source.config["type"]?.stringValue.map { [$0] } : nil
        var warnings: [String] = []
        for component in definition.steps {
            guard let step = try? registry.makeStep(component, context: context) else {
                types = nil
                continue
            }
            switch step {
            case let map as MapStep:
                if let type = map.entityType { types = [type] }
            case let rule as RuleStep:
                if let known = types, !known.contains(rule.entityType) {
                    warnings.append("\(component.location): warning: rule '\(component.config["rule"]?.stringValue ?? "")' judges \(rule.entityType) records, "
                        + "but only \(known.sorted().joined(separator: " and ")) reach\(known.count == 1 ? "es" : "") it: it never raises an alert")
                }
                types = rule.passesRecords ? types.map { $0.union([RuleStep.alertType]) } : [RuleStep.alertType]
            default:
                // These keep the records' types; of another, what comes out is not known here.
                if !["validate", "filter", "dedupe", "mask", "encrypt", "decrypt", "set"].contains(component.name) { types = nil }
            }
        }
        return warnings
    }

    /// Warnings for a sink's `mask` path written from the event (`data.payee.name`), as its
    /// `when` is: mask paths are inside `data`, so it names a field `data` of the data, and the
    /// personal data it meant goes to the sink unmasked.
    /// A `mask` step's paths are inside the record the same way: `data.` there is the same slip.
    static func enveloped(_ definition: PipelineDefinition) -> [String] {
        let mask = ConnectorRegistry.sinkMask.name
        func slipped(_ path: String) -> Bool { path == "data" || path.hasPrefix("data.") }
        func meant(_ path: String) -> String { path == "data" ? "the whole data" : "'\(path.dropFirst(5))'" }
        let sinks = definition.sinks.flatMap { sink in
            (sink.config[mask]?.objectValue?.keys ?? []).filter(slipped).map { path in
                "\(sink.config.location(of: mask + "." + path)): warning: mask paths are inside the event's data, as the mask step's: "
                    + "'\(path)' masks a field 'data' of the data, not \(meant(path))"
            }
        }
        let steps = definition.steps.filter { $0.name == "mask" }.flatMap { step in
            (step.config["fields"]?.objectValue?.keys ?? []).filter(slipped).map { path in
                "\(step.config.location(of: "fields." + path)): warning: mask paths are inside the record: '\(path)' masks a field 'data' "
                    + "of the record (unless it has one, \(meant(path)) goes through unmasked)"
            }
        }
        return steps + sinks
    }

    /// A warning (the folder may be mounted later) for a `file` source whose folder is not
    /// there: each run fails with "no file matches", and a mistyped folder looks the same.
    static func missingFolder(_ definition: PipelineDefinition) -> [String] {
        guard definition.source.name == "file", let path = definition.source.config["path"]?.stringValue else { return [] }
        let pattern = definition.source.config.resolvePath(path)
        // The folders before the first wildcard.
        let fixed = pattern.prefix { !"*?[".contains($0) }
        guard let slash = fixed.lastIndex(of: "/") else { return [] }
        let folder = String(fixed[..<slash])
        var isDirectory: ObjCBool = false
        guard !folder.isEmpty, !(FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue) else { return [] }
        let shown = definition.source.config.baseDirectory.isEmpty ? folder
            : folder.replacingOccurrences(of: definition.source.config.baseDirectory + "/", with: "", options: .anchored)
        return ["\(definition.source.config.location(of: "path")): warning: there is no folder \(shown) for '\(path)'; every run fails with 'no file matches' until there is"]
    }

    /// Warnings (not problems: a shared network folder is fine) for the files of one host that a
    /// pipeline on a shared store reads or writes: the next run may be on another gateway, whose
    /// disk the checkpoint shared with it does not describe.
    static func hostBound(_ definition: PipelineDefinition, sharedStore: Bool) -> [String] {
        guard sharedStore else { return [] }
        var warnings: [String] = []
        if definition.source.name == "file" {
            warnings.append("\(definition.source.location): warning: a 'file' source on a shared store reads this host's files; "
                + "another gateway resumes from a checkpoint that describes them, not its own (use a folder every gateway mounts)")
        }
        if ["webhook", "hj212"].contains(definition.source.name) {
            warnings.append("\(definition.source.location): warning: a '\(definition.source.name)' source on a shared store reads the buffer "
                + "of this host's listener, and its checkpoint names that buffer: a run on another gateway fails. Run it on the one gateway whose "
                + "listener takes the pushes (enabled: false in the other gateways' copies of the pipeline)")
        }
        if definition.source.name == "sql", definition.source.config["path"] != nil {
            warnings.append("\(definition.source.location): warning: an 'sql' source with 'path' on a shared store reads this host's SQLite file; "
                + "another gateway reads its own copy (use a PostgreSQL 'url', or a folder every gateway mounts)")
        }
        for sink in definition.sinks where ["jsonl", "sqlite"].contains(sink.name) {
            warnings.append("\(sink.location): warning: a '\(sink.name)' sink on a shared store writes a file of this host; "
                + "runs on another gateway write to that gateway's copy (use postgres or webhook, or a folder every gateway mounts)")
        }
        return warnings
    }
}

extension Huiliu.Lint {
    /// The YAML files a folder holds (a connector's manifest and mappings, a folder of
    /// pipelines), or `path` itself when it is not a folder. Recorded fixtures, the gateway's
    /// `config/` (not pipelines) and hidden folders such as `.build` are left out.
    static func expand(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        let found = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
        return found.filter { subpath in
            let parts = subpath.split(separator: "/")
            return (subpath.hasSuffix(".yaml") || subpath.hasSuffix(".yml"))
                && !parts.dropLast().contains { $0 == "fixtures" || $0 == "config" || $0.hasPrefix(".") }
        }.sorted().map { (path.hasSuffix("/") ? path : path + "/") + $0 }
    }

    /// A warning for a `webhook` source whose channel this gateway's push endpoint does not
    /// take (or that has no push endpoint): nothing would ever arrive for it.
    static func unheardChannel(_ definition: PipelineDefinition, gateway: GatewayConfig) -> [String] {
        guard definition.source.name == "webhook", let channel = definition.source.config["channel"]?.stringValue else { return [] }
        let at = definition.source.location
        guard let section = gateway.listeners["webhook"] else {
            return ["\(at): warning: channel '\(channel)' is pushed to a push endpoint, but config/huiliu.yaml has no listeners.webhook section"]
        }
        guard case .mapping(let pairs, _)? = section["channels"] else { return [] }
        let names = pairs.map(\.key)
        guard !names.contains(channel) else { return [] }
        let suggestion = nearestName(to: channel, in: names).map { "; did you mean '\($0)'?" } ?? ""
        return ["\(at): warning: channel '\(channel)' is not one of listeners.webhook.channels in config/huiliu.yaml (\(names.joined(separator: ", ")))\(suggestion)"]
    }
}

/// `path` relative to `base` when it lies inside it.
func relative(_ path: String, to base: String) -> String {
    let prefix = base.hasSuffix("/") ? base : base + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
}
