import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A status line on stderr for work that takes more than about a second: loading, compiling, running,
/// bench iterations. It is drawn only when stderr is a terminal and `--quiet` was not given, redrawn by a
/// background thread four times a second, and erased before anything else is printed.
final class Progress: @unchecked Sendable {
    /// The process's status line (disabled until ``enable(quiet:)``).
    static let shared = Progress()

    private let lock = Mutex(())
    private var enabled = false
    private var phase: String?
    private var phaseStart = 0.0
    private var drawn = false
    private var tickerStarted = false
    /// Work shorter than this never shows a line.
    private let delay = 1.0

    /// Turns the line on when stderr is a terminal, unless `quiet`.
    func enable(quiet: Bool) {
        lock.withLock { _ in enabled = !quiet && isatty(2) == 1 }
    }

    /// Starts a new step (`loading model.pt`), or updates the text of the current one with `restart: false`.
    /// The text is made only when the line is shown (a quiet bench loop allocates nothing for it).
    func update(_ text: @autoclosure () -> String, restart: Bool = true) {
        lock.withLock { _ in
            guard enabled else { return }
            if restart || phase == nil { phaseStart = monotonicSeconds() }
            phase = text()
            startTickerIfNeeded()
        }
    }

    /// Ends the current step and erases the line.
    func finish() {
        lock.withLock { _ in
            phase = nil
            eraseIfDrawn()
        }
    }

    private func startTickerIfNeeded() {
        guard !tickerStarted else { return }
        tickerStarted = true
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Darwin)
        let status = pthread_create(&thread, nil, { context in Unmanaged<Progress>.fromOpaque(context).takeUnretainedValue().tick(); return nil }, context)
        #else
        let status = pthread_create(&thread, nil, { context in Unmanaged<Progress>.fromOpaque(context!).takeUnretainedValue().tick(); return nil }, context)
        #endif
        if status == 0 { pthread_detach(thread) }
    }

    /// The ticker thread: redraws the line while a step has run longer than the delay.
    private func tick() {
        while true {
            usleep(250_000)
            lock.withLock { _ in
                guard let phase else { return }
                let elapsed = monotonicSeconds() - phaseStart
                guard elapsed >= delay else { return }
                let seconds = (elapsed * 10).rounded(.down) / 10
                FileHandleOutput.standardError.write("\r\u{1B}[K\(phase)  \(seconds) s")
                drawn = true
            }
        }
    }

    private func eraseIfDrawn() {
        if drawn {
            FileHandleOutput.standardError.write("\r\u{1B}[K")
            drawn = false
        }
    }
}
