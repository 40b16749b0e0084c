import HuiliuCore

extension FunctionRegistry {
    /// A Markdown reference of every function, sorted by name: signature, summary and
    /// worked example. Generated, so the docs cannot drift from the registry.
    /// - Parameter title: the level-1 heading. The default is "Expression functions".
    public func markdownReference(title: String = "Expression functions") -> String {
        var out = "# \(title)\n\n"
        out += "Generated from the function registry. Types follow the JMESPath specification; "
        out += "`?` marks an optional parameter and `...` one that may repeat.\n\n"
        out += "| Function | Returns |\n|---|---|\n"
        for function in functions {
            // A pipe inside a table cell must be escaped, even within code.
            let returns = function.returns.description.replacing("|", with: "\\|")
            out += "| [`\(function.name)`](#\(function.name)) | `\(returns)` |\n"
        }
        for function in functions {
            let example = function.example
            out += "\n## \(function.name)\n\n"
            out += "```\n\(function.signature)\n```\n\n"
            out += "\(function.summary)\n\n"
            out += "Example: `\(Self.inlineCode(example.expression))`"
            if !example.input.isNull { out += " with input `\(Self.inlineCode(example.input.jsonText))`" }
            out += " → `\(Self.inlineCode(example.result.jsonText))`\n"
        }
        return out
    }

    /// Inline code that contains backticks needs a longer fence.
    private static func inlineCode(_ text: String) -> String {
        text.contains("`") ? "` \(text) `" : text
    }
}
