import ArgumentParser
import Foundation
import HuiliuEngine
import HuiliuKit
import Logging

/// Finds and loads pipelines by name or path for the commands that run them.
struct PipelineLookup {
    let gateway: GatewayConfig
    let loader: PipelineLoader

    init(gateway: GatewayConfig, registry: ConnectorRegistry) {
        self.gateway = gateway
        loader = PipelineLoader(registry: registry, resolver: ReferenceResolver(secrets: gateway.secrets),
                                projectDirectory: gateway.projectDirectory)
    }

    /// Loads `nameOrPath`: a file path if one exists there, otherwise the pipeline of that name.
    /// Prints the problems and exits with status 2 when it cannot.
    func load(_ nameOrPath: String) throws -> PipelineDefinition {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: nameOrPath, isDirectory: &isDirectory), !isDirectory.boolValue {
            return try definition(at: nameOrPath)
        }
        var known: [String] = []
        var broken: [(file: String, problems: [String])] = []
        var found: PipelineDefinition?
        for file in gateway.pipelineFiles() {
            switch loader.load(path: file) {
            case .pipeline(let definition) where definition.name == nameOrPath:
                // Two files of one name: which one is meant is not for the file order to decide.
                if let found {
                    printError("pipeline name '\(nameOrPath)' is used by both \(found.file) and \(file); rename one (huiliu lint reports it)")
                    throw ExitCode(2)
                }
                found = definition
            case .pipeline(let definition): known.append(definition.name)
            // In file order, as lint prints them.
            case .problems(let problems): broken.append((file, ConfigErrors(problems).errors.map(\.description)))
            case .unreadable(let message): broken.append((file, [message]))
            }
        }
        if let found { return found }
        // A pipeline of that name whose file has problems is not "no pipeline": say what is wrong with it.
        if let (file, problems) = broken.first(where: { Self.declaredName(of: $0.file) == nameOrPath }) {
            printError("pipeline '\(nameOrPath)' (\(file)) has problems; fix them first:")
            for problem in problems { printError(problem) }
            throw ExitCode(2)
        }
        if nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") || nameOrPath.contains("/") {
            printError("\(nameOrPath): no such pipeline file" + (fm.fileExists(atPath: nameOrPath) ? " (it is a directory)" : ""))
            throw ExitCode(2)
        }
        // A file of that name in pipelines/ that config/huiliu.yaml's patterns leave out (a .yml).
        for ext in ["yml", "yaml", "YAML", "YML"] {
            let candidate = gateway.projectDirectory + "/pipelines/\(nameOrPath).\(ext)"
            guard fm.fileExists(atPath: candidate), !gateway.readsPipelineFile(candidate) else { continue }
            printError("pipelines/\(nameOrPath).\(ext) is not read as a pipeline: config/huiliu.yaml's `pipelines` patterns are "
                + gateway.pipelinePatterns.joined(separator: ", ") + "; rename the file to match, or run it by its path")
            throw ExitCode(2)
        }
        var message = "no pipeline called '\(nameOrPath)'"
        if let suggestion = nearestName(to: nameOrPath, in: known) { message += "; did you mean '\(suggestion)'?" }
        else {
            if !known.isEmpty { message += " (known: \(known.joined(separator: ", ")))" }
            // Pipelines are found by name in pipelines/ only; one kept elsewhere is named by its file.
            message += "; a pipeline file outside pipelines/ is given by its path"
        }
        printError(message)
        throw ExitCode(2)
    }

    /// Builds `definition`'s source, steps and sinks as lint does, and prints every problem
    /// (a missing rule file, an unknown masking) and exits with status 2 when there are any:
    /// otherwise a run would be recorded as failed for the first of them only.
    func checkComponents(_ definition: PipelineDefinition, services: ServiceValues) throws {
        let problems = loader.checkComponents(definition, context: checkContext(definition.name, services: services))
        guard !problems.isEmpty else { return }
        for problem in ConfigErrors(problems).errors { printError(problem.description) }
        throw ExitCode(2)
    }

    /// A context for building components only to check them, with no logging.
    func checkContext(_ pipeline: String, services: ServiceValues) -> ConnectorContext {
        ConnectorContext(pipeline: pipeline, logger: Logger(label: "check") { _ in SwiftLogNoOpLogHandler() },
                         projectDirectory: gateway.projectDirectory, dataDirectory: gateway.dataDirectory,
                         configDirectory: gateway.configDirectory, services: services,
                         resolver: ReferenceResolver(secrets: gateway.secrets))
    }

    func definition(at path: String) throws -> PipelineDefinition {
        switch loader.load(path: path) {
        case .pipeline(let definition): return definition
        case .problems(let problems):
            // In file order, as lint prints them.
            for problem in ConfigErrors(problems).errors { printError(problem.description) }
            throw ExitCode(2)
        case .unreadable(let message):
            printError(message)
            throw ExitCode(2)
        }
    }

    /// The `name:` a pipeline file gives itself, read even when the rest of it is wrong; its
    /// file name without `.yaml` when it gives none that can be read.
    static func declaredName(of file: String) -> String {
        let node = try? YAMLDocument.loadPastRepeats(path: file).node
        if case .scalar(let name, _, _)? = node?["name"], !name.isEmpty, name != "~", name != "null" { return name }
        return ((file as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    /// Every valid pipeline the gateway config lists.
    func all() -> [PipelineDefinition] {
        gateway.pipelineFiles().compactMap {
            if case .pipeline(let definition) = loader.load(path: $0) { return definition }
            return nil
        }
    }
}
