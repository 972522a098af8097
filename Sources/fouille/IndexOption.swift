import ArgumentParser
import FouilleIndex

/// `--index PATH`, shared by every command that opens an index.
struct IndexOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The index folder.",
            discussion: "Default: $FOUILLE_INDEX, else $XDG_DATA_HOME/fouille/index, else ~/.local/share/fouille/index.",
            valueName: "path"))
    var index: String?

    var location: IndexLocation { IndexLocation(path: index ?? IndexLocation.defaultPath()) }
}
