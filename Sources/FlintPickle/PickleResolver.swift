/// What the unpickler asks of its user: how to interpret globals, calls and persistent ids.
///
/// The unpickler itself executes no code and knows no classes; every `GLOBAL` goes through
/// ``resolveGlobal(module:name:)``, which must throw for anything it does not recognise.
package protocol PickleResolver {
    /// Interprets `GLOBAL module name`. The returned value is what later `REDUCE`/`NEWOBJ`/`BUILD` receive.
    func resolveGlobal(module: String, name: String) throws -> PickleValue
    /// `REDUCE`: applies `callable` (a value from ``resolveGlobal(module:name:)``) to `argument`.
    func reduce(_ callable: PickleValue, argument: PickleValue) throws -> PickleValue
    /// `NEWOBJ`: creates an instance of `cls` with `arguments` (normally an empty tuple).
    func newObject(_ cls: PickleValue, arguments: PickleValue) throws -> PickleValue
    /// `BUILD`: gives `object` its `state`; returns the value that replaces it on the stack.
    func build(_ object: PickleValue, state: PickleValue) throws -> PickleValue
    /// `BINPERSID`: turns a persistent id into a value (TorchScript uses it for tensor storages).
    func persistentLoad(_ id: PickleValue) throws -> PickleValue
}
