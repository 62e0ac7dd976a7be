/// A request the server refuses or could not complete, with the class of failure that decides the HTTP
/// status and gRPC code the frontends answer with. Messages name the model, input or limit involved.
package struct ServeError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable {
        /// The model or version does not exist here: HTTP 404, gRPC NOT_FOUND.
        case notFound
        /// The client's request is malformed or does not fit the model: HTTP 400, gRPC INVALID_ARGUMENT.
        case invalidArgument
        /// The body is over the server's limit: HTTP 413, gRPC RESOURCE_EXHAUSTED.
        case payloadTooLarge
        /// The queue is full, the model is not ready, or the server is shutting down: HTTP 503, gRPC UNAVAILABLE.
        case unavailable
        /// The server failed (a model it cannot run): HTTP 500, gRPC INTERNAL.
        case `internal`
    }

    package let kind: Kind
    package let message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package static func notFound(_ message: String) -> ServeError { ServeError(.notFound, message) }
    package static func invalidArgument(_ message: String) -> ServeError { ServeError(.invalidArgument, message) }
    package static func unavailable(_ message: String) -> ServeError { ServeError(.unavailable, message) }

    package var description: String { message }

    /// The HTTP status this failure is answered with.
    package var httpStatus: Int {
        switch kind {
        case .notFound: 404
        case .invalidArgument: 400
        case .payloadTooLarge: 413
        case .unavailable: 503
        case .internal: 500
        }
    }
}
