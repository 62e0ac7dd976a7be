/// Pickle opcodes, spelled as CPython's `pickletools` names them; the raw value is the opcode byte, so
/// decoding a byte is `PickleOpcode(rawValue:)` and the table cannot drift from the enum.
package enum PickleOpcode: UInt8, CaseIterable, Sendable {
    /// `(` push a mark (protocol 0)
    case mark = 0x28
    /// `.` end of pickle (0)
    case stop = 0x2E
    /// `0` discard the top of stack (0)
    case pop = 0x30
    /// `1` discard everything down to and including the topmost mark (1)
    case popMark = 0x31
    /// `2` duplicate the top of stack (0)
    case dup = 0x32
    /// `F` float as decimal text line (0)
    case float = 0x46
    /// `I` int as decimal text line; `I01`/`I00` are True/False (0)
    case int = 0x49
    /// `J` 4-byte signed int (1)
    case binInt = 0x4A
    /// `K` 1-byte unsigned int (1)
    case binInt1 = 0x4B
    /// `L` long as decimal text line ending in `L` (0)
    case long = 0x4C
    /// `M` 2-byte unsigned int (1)
    case binInt2 = 0x4D
    /// `N` None (0)
    case none = 0x4E
    /// `P` persistent id as a text line (0)
    case persId = 0x50
    /// `Q` persistent id taken from the stack (1)
    case binPersId = 0x51
    /// `R` call a callable with an argument tuple (0)
    case reduce = 0x52
    /// `S` quoted byte string text line (0)
    case string = 0x53
    /// `T` byte string with 4-byte length (1)
    case binString = 0x54
    /// `U` byte string with 1-byte length (1)
    case shortBinString = 0x55
    /// `V` raw-unicode-escaped text line (0)
    case unicode = 0x56
    /// `X` UTF-8 string with 4-byte length (1)
    case binUnicode = 0x58
    /// `a` append one item to a list (0)
    case append = 0x61
    /// `b` set an object's state (0)
    case build = 0x62
    /// `c` push a global named by two text lines (0)
    case global = 0x63
    /// `d` build a dict from the items above the mark (0)
    case dict = 0x64
    /// `}` push an empty dict (1)
    case emptyDict = 0x7D
    /// `e` extend a list with the items above the mark (1)
    case appends = 0x65
    /// `g` memo get, decimal text index (0)
    case get = 0x67
    /// `h` memo get, 1-byte index (1)
    case binGet = 0x68
    /// `j` memo get, 4-byte index (1)
    case longBinGet = 0x6A
    /// `l` build a list from the items above the mark (0)
    case list = 0x6C
    /// `]` push an empty list (1)
    case emptyList = 0x5D
    /// `p` memo put, decimal text index (0)
    case put = 0x70
    /// `q` memo put, 1-byte index (1)
    case binPut = 0x71
    /// `r` memo put, 4-byte index (1)
    case longBinPut = 0x72
    /// `s` set one dict item (0)
    case setItem = 0x73
    /// `t` build a tuple from the items above the mark (0)
    case tuple = 0x74
    /// `)` push an empty tuple (1)
    case emptyTuple = 0x29
    /// `u` set the dict items above the mark (1)
    case setItems = 0x75
    /// `G` 8-byte big-endian IEEE double (1)
    case binFloat = 0x47
    /// `\x80` protocol marker (2)
    case proto = 0x80
    /// `\x81` cls.__new__(cls, *args) (2)
    case newObj = 0x81
    /// `\x85` 1-tuple (2)
    case tuple1 = 0x85
    /// `\x86` 2-tuple (2)
    case tuple2 = 0x86
    /// `\x87` 3-tuple (2)
    case tuple3 = 0x87
    /// `\x88` True (2)
    case newTrue = 0x88
    /// `\x89` False (2)
    case newFalse = 0x89
    /// `\x8a` little-endian two's-complement long, 1-byte length (2)
    case long1 = 0x8A
    /// `\x8b` little-endian two's-complement long, 4-byte length (2)
    case long4 = 0x8B
    /// `B` bytes with 4-byte length (3)
    case binBytes = 0x42
    /// `C` bytes with 1-byte length (3)
    case shortBinBytes = 0x43
    /// `\x8c` UTF-8 string with 1-byte length (4)
    case shortBinUnicode = 0x8C
    /// `\x8d` UTF-8 string with 8-byte length (4)
    case binUnicode8 = 0x8D
    /// `\x8e` bytes with 8-byte length (4)
    case binBytes8 = 0x8E
    /// `\x93` push a global named by two strings on the stack (4)
    case stackGlobal = 0x93
    /// `\x94` memoize the top of stack at the next index (4)
    case memoize = 0x94
    /// `\x95` frame of the given length follows (4)
    case frame = 0x95
}
