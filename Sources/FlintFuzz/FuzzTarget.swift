import FlintLoader
import FlintPickle
import FlintZip

/// One fuzz input: decoded as a raw pickle, then loaded as a whole TorchScript archive. Any outcome but a
/// thrown error or success (a crash, a hang, a runaway allocation) is a bug.
func fuzzOne(_ bytes: UnsafeRawBufferPointer) {
    var unpickler = Unpickler(bytes: bytes, resolver: InertResolver())
    if let value = try? unpickler.load() { value.dismantle() }
    let file = MappedFile(copying: bytes, path: "fuzz-input")
    if let model = try? ScriptModel(archive: TorchScriptArchive(file: file)) {
        if let state = try? model.root.stateDict() {
            for entry in state { _ = entry.tensor.contiguousBytes().count }
        }
        _ = model.root.slots.map(\.pythonRepr)
    }
}

/// Accepts every global as an inert reference, so the unpickler's own logic is what gets fuzzed.
struct InertResolver: PickleResolver {
    func resolveGlobal(module: String, name: String) throws -> PickleValue { .global(module: module, name: name) }
    func reduce(_ callable: PickleValue, argument: PickleValue) throws -> PickleValue { argument }
    func newObject(_ cls: PickleValue, arguments: PickleValue) throws -> PickleValue { .none }
    func build(_ object: PickleValue, state: PickleValue) throws -> PickleValue { object }
    func persistentLoad(_ id: PickleValue) throws -> PickleValue { id }
}

#if FUZZING
/// libFuzzer's entry point (build with `-sanitize=fuzzer -DFUZZING`; see Tools/fuzz/run.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer's driver.
@_cdecl("FlintFuzz_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, LLVMFuzzerTestOneInput)
}
#else
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Without the fuzzer: replays the files named on the command line (a corpus or crash reproducers).
@main
enum ReplayCorpus {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let file = try? MappedFile(path: path) else {
                print("cannot read \(path)")
                continue
            }
            fuzzOne(file.bytes)
            print("ok \(path)")
        }
    }
}
#endif
