import NIOCore

/// Answers one connection's requests, in order.
///
/// Requests may be pipelined: they queue here and are answered one after
/// another, so answers come back in the order asked even though queries run
/// on other threads. Past ``Limits/maximumPipelined`` queued requests the
/// connection stops being read until the queue drains.
///
/// A connection that completes no request line for ``Limits/idleTimeout`` is
/// closed: that covers idle clients and clients sending a byte a second alike.
final class CommandHandler: ChannelInboundHandler {
    typealias InboundIn = RequestFrame
    typealias OutboundOut = ByteBuffer

    private let engine: QueryEngine
    private var queue = CircularBuffer<RequestFrame>()
    private var answering = false
    private var closing = false
    private var readingPaused = false
    private var inputClosed = false
    private var lastRequest = NIODeadline.now()
    private var idleCheck: RepeatedTask?

    /// The query thread this connection prefers (see ``QueryEngine``).
    private let home: Int

    init(engine: QueryEngine) {
        self.engine = engine
        home = engine.assignHome()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let timeout = engine.limits.idleTimeout
        let period = TimeAmount.nanoseconds(max(10_000_000, min(1_000_000_000, timeout.nanoseconds / 4)))
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        idleCheck = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            let (handler, context) = loopBound.value
            if !handler.answering, handler.queue.isEmpty, NIODeadline.now() - handler.lastRequest > timeout {
                handler.closing = true
                context.close(promise: nil)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        lastRequest = .now()
        queue.append(unwrapInboundIn(data))
        if queue.count >= engine.limits.maximumPipelined, !readingPaused {
            readingPaused = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
        answerNext(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            answerNext(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func answerNext(context: ChannelHandlerContext) {
        guard !answering, !closing else { return }
        guard let frame = queue.popFirst() else {
            // The client has sent all it will and has every answer: done.
            if inputClosed {
                closing = true
                context.close(promise: nil)
            }
            return
        }
        answering = true
        let response: EventLoopFuture<Response>
        switch frame {
        case .tooLong:
            engine.stats.recordError()
            response = context.eventLoop.makeSucceededFuture(.error(ProtocolError(
                .lineTooLong, "requests are limited to \(engine.limits.maximumLineLength) bytes")))
        case .line(let line):
            response = engine.respond(to: line, on: context.eventLoop, home: home)
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        response.whenComplete { result in
            let (handler, context) = loopBound.value
            handler.send(result, context: context)
        }
    }

    private func send(_ result: Result<Response, any Error>, context: ChannelHandlerContext) {
        let response: Response
        switch result {
        case .success(let value): response = value
        case .failure(let error): response = .error(ProtocolError(.internal, "\(error)"))
        }
        var buffer = context.channel.allocator.buffer(capacity: response.encodedByteCount)
        response.encode(into: &buffer)
        let written = context.writeAndFlush(wrapOutboundOut(buffer))
        answering = false
        lastRequest = .now()
        if response.closesConnection {
            closing = true
            queue.removeAll()
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
            return
        }
        if readingPaused, queue.count < engine.limits.maximumPipelined / 2 {
            readingPaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            context.read()
        }
        answerNext(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset or broken pipe from a client that went away: nothing to answer.
        context.close(promise: nil)
    }
}

/// Greets a connection past ``Limits/maximumConnections`` with `ERR busy`, then closes it.
final class BusyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let limit: Int

    init(limit: Int) { self.limit = limit }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 80)
        Response.error(ProtocolError(.busy, "too many connections (\(limit)); try again later")).encode(into: &buffer)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
