import ArgumentParser

/// `fouille ping`: is the daemon there?
struct Ping: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that the daemon answers (exit status 0 if it does, 2 if it cannot be reached).")

    @OptionGroup var socketOption: SocketOption

    func run() throws {
        print(try socketOption.request("PING").final)
    }
}
