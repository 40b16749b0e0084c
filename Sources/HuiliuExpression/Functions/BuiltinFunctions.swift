import HuiliuCore

/// The JMESPath built-in functions, with the signatures of the specification.
enum BuiltinFunctions {
    static var all: [ExpressionFunction] { math + strings + collections + ordering }

    typealias P = ExpressionFunction.Parameter
    typealias Example = ExpressionFunction.Example
}
