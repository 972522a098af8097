@testable import FouilleIngest
import XCTest

final class ArticleParserTests: XCTestCase {
    let parser = ArticleParser()

    // MARK: - Title, lead, body

    func testTitleLeadAndBody() {
        let article = parser.parse("""
            Le Sénat adopte la réforme des retraites
            Le texte a été voté par 195 voix contre 112 après trois semaines de débats.
            La Première ministre a salué « un moment de responsabilité ».
            Les syndicats appellent à une nouvelle journée de mobilisation jeudi.
            """)
        XCTAssertEqual(article.title, "Le Sénat adopte la réforme des retraites")
        XCTAssertEqual(article.lead, "Le texte a été voté par 195 voix contre 112 après trois semaines de débats.")
        XCTAssertEqual(article.body, """
            La Première ministre a salué « un moment de responsabilité ».
            Les syndicats appellent à une nouvelle journée de mobilisation jeudi.
            """)
    }

    func testWhitespaceRunsBecomeOneSpaceAndLinesAreTrimmed() {
        let article = parser.parse(
            "  \tLa   Bourse\tde Paris  recule \n"
                + "\u{00A0}Le CAC\u{00A0}40 perd\u{202F}2 %\u{00A0}\u{00A0}à la clôture.\u{2009}\n"
                + "\t Les valeurs  bancaires\t\tont chuté. \t\n")
        XCTAssertEqual(article.title, "La Bourse de Paris recule")
        XCTAssertEqual(article.lead, "Le CAC 40 perd 2 % à la clôture.")
        XCTAssertEqual(article.body, "Les valeurs bancaires ont chuté.")
    }

    func testBlankLinesAreDroppedFromTheBody() {
        let article = parser.parse("""
            Canicule : vigilance orange dans quinze départements
            Météo-France annonce jusqu'à 40 °C dans la vallée du Rhône.

            Les préfectures ont restreint l'usage de l'eau.
            \t
            \u{00A0}

            Les piscines municipales ouvrent plus tard le soir.

            """)
        XCTAssertEqual(article.body, """
            Les préfectures ont restreint l'usage de l'eau.
            Les piscines municipales ouvrent plus tard le soir.
            """)
    }

    func testBlankLinesBeforeTheTitleAreSkipped() {
        let article = parser.parse("\n\n   \n\t\nGrève à la SNCF\nTrafic très perturbé ce lundi.\nUn TGV sur deux circule.")
        XCTAssertEqual(article.title, "Grève à la SNCF")
        XCTAssertEqual(article.lead, "Trafic très perturbé ce lundi.")
        XCTAssertEqual(article.body, "Un TGV sur deux circule.")
    }

    func testCRLFLineEndings() {
        let article = parser.parse(
            "Élections municipales à Lyon\r\nLe second tour aura lieu dimanche.\r\n\r\n"
                + "Trois listes se sont qualifiées.\r\nLa participation reste faible.\r\n")
        XCTAssertEqual(article.title, "Élections municipales à Lyon")
        XCTAssertEqual(article.lead, "Le second tour aura lieu dimanche.")
        XCTAssertEqual(article.body, "Trois listes se sont qualifiées.\nLa participation reste faible.")
        XCTAssertFalse(article.title.contains("\r") || article.lead.contains("\r") || article.body.contains("\r"))
    }

    func testTitleOnlyIsFine() {
        XCTAssertEqual(
            parser.parse("Flash : séisme de magnitude 5 en Isère"),
            ArticleParser.Article(title: "Flash : séisme de magnitude 5 en Isère", lead: "", body: ""))
        XCTAssertEqual(
            parser.parse("\nFlash : séisme en Isère\n\n\n"),
            ArticleParser.Article(title: "Flash : séisme en Isère", lead: "", body: ""))
    }

    func testTitleAndLeadOnly() {
        XCTAssertEqual(
            parser.parse("Rugby : la France bat l'Irlande\nVictoire 30-24 au Stade de France.\n"),
            ArticleParser.Article(title: "Rugby : la France bat l'Irlande", lead: "Victoire 30-24 au Stade de France.", body: ""))
    }

    func testEmptyAndBlankText() {
        let empty = ArticleParser.Article(title: "", lead: "", body: "")
        XCTAssertEqual(parser.parse(""), empty)
        XCTAssertEqual(parser.parse(" \n\t\n\u{00A0}\r\n"), empty)
    }

    func testNormaliseDirectly() {
        XCTAssertEqual(ArticleParser.normalise("  a \t\u{00A0} b  "), "a b")
        XCTAssertEqual(ArticleParser.normalise(""), "")
        XCTAssertEqual(ArticleParser.normalise(" \t "), "")
        XCTAssertEqual(ArticleParser.normalise("déjà-vu"), "déjà-vu")
    }

    // MARK: - Boilerplate

    /// A scraped page: the article, then the site's video list, comments and login prompts.
    static let newsPage = """

        Inondations dans le Gard : la préfecture déclenche l'alerte rouge
        Des pluies diluviennes se sont abattues dans la nuit sur Nîmes et Alès, où plusieurs routes ont été coupées.

        Les pompiers ont procédé à une quarantaine d'hélitreuillages depuis l'aube, selon la préfecture.
        « Nous n'avons jamais vu ça depuis 2002 », confie un habitant du quartier Richelieu, les pieds dans l'eau.
        Le ministre, qui invite à lire aussi les consignes de la préfecture, se rendra sur place mercredi.
        Lire aussi le bulletin de Météo-France, qui prévoit une accalmie en fin de semaine.

        À regarder
        Vidéo. Les images impressionnantes de la crue du Vidourle
        Vidéo. Un village de Lozère coupé du monde par la neige
        Vidéo. Le Tour de France arrive à Carcassonne
        Commentaires
        Connectez-vous pour réagir à cet article
        Pas encore abonné ? Créez votre compte
        Partager

        """

    func testBoilerplateAfterTheArticleIsCut() {
        let article = parser.parse(Self.newsPage)
        XCTAssertEqual(article.title, "Inondations dans le Gard : la préfecture déclenche l'alerte rouge")
        XCTAssertEqual(
            article.lead,
            "Des pluies diluviennes se sont abattues dans la nuit sur Nîmes et Alès, où plusieurs routes ont été coupées.")
        XCTAssertEqual(article.body, """
            Les pompiers ont procédé à une quarantaine d'hélitreuillages depuis l'aube, selon la préfecture.
            « Nous n'avons jamais vu ça depuis 2002 », confie un habitant du quartier Richelieu, les pieds dans l'eau.
            Le ministre, qui invite à lire aussi les consignes de la préfecture, se rendra sur place mercredi.
            Lire aussi le bulletin de Météo-France, qui prévoit une accalmie en fin de semaine.
            """)
        for boilerplate in ["À regarder", "Vidéo", "Vidourle", "Lozère", "Carcassonne", "Commentaires",
                            "Connectez-vous", "abonné", "Partager"] {
            XCTAssertFalse(article.body.contains(boilerplate), "body still holds \(boilerplate)")
        }
        // A line that merely contains a marker, mid-sentence or at its start, is article text.
        XCTAssertTrue(article.body.contains("qui invite à lire aussi les consignes"))
        XCTAssertTrue(article.body.contains("Lire aussi le bulletin de Météo-France"))
    }

    func testMarkersMatchIgnoringCaseSpacesAndTrailingColon() {
        let variants = [
            "À regarder", "à REGARDER", "A regarder", "À regarder :", "À regarder:", "À\u{00A0}regarder\u{00A0}:",
            "Lire aussi", "LIRE AUSSI", "Lire  aussi :", "\tlire aussi\t", "À lire aussi",
            "Sur le même sujet", "SUR LE MÊME SUJET :", "Partager", "partager :", "Commentaires", "COMMENTAIRES::",
            "A\u{0300} regarder",  // decomposed À
        ]
        for marker in variants {
            let article = parser.parse("Titre\nChapeau\nPremier paragraphe.\n\(marker)\nAutre article du site")
            XCTAssertEqual(article.body, "Premier paragraphe.", "\(marker.debugDescription) should cut the body")
        }
    }

    func testLinesThatOnlyContainAMarkerAreKept() {
        let lines = [
            "Il faut lire aussi le rapport de la Cour des comptes.",
            "Lire aussi : notre enquête sur les EHPAD",
            "Commentaires du ministre après le vote",
            "Partager les richesses, disait-il.",
            "Rien à regarder ici.",
        ]
        let article = parser.parse("Titre\nChapeau\n" + lines.joined(separator: "\n"))
        XCTAssertEqual(article.body, lines.joined(separator: "\n"))
    }

    func testTitleAndLeadAreNeverCut() {
        let article = parser.parse("Partager\nCommentaires\nLe corps de l'article.\nLire aussi\nAutre chose")
        XCTAssertEqual(article, ArticleParser.Article(title: "Partager", lead: "Commentaires", body: "Le corps de l'article."))
    }

    func testMarkerAsFirstBodyLineLeavesAnEmptyBody() {
        let article = parser.parse("Titre\nChapeau\n\nÀ voir aussi\nVidéo. Autre chose")
        XCTAssertEqual(article.body, "")
    }

    func testBuiltInFrenchMarkers() {
        let markers = BoilerplateMarkers.french
        for marker in ["À regarder", "Lire aussi", "Sur le même sujet", "Partager", "Commentaires", "Les plus lus",
                       "Voir aussi", "Réagir", "Articles liés", "Dans la même rubrique"] {
            XCTAssertTrue(markers.isMarker(marker), marker)
        }
        XCTAssertFalse(markers.isMarker(""))
        XCTAssertFalse(markers.isMarker("Le gouvernement"))
        XCTAssertFalse(markers.isMarker("Lire"))
        XCTAssertFalse(markers.isMarker("Lire aussi " + String(repeating: "x", count: 70)))
    }

    func testCustomMarkersFromFileContents() {
        let markers = BoilerplateMarkers(fileContents: """
            # Marqueurs du site ouest-exemple.fr
            Publicité

              # un commentaire indenté
            Newsletter :
            \tLES  PLUS  PARTAGÉS\t
            """)
        XCTAssertEqual(markers.markers, ["publicité", "newsletter", "les plus partagés"])
        XCTAssertFalse(markers.isMarker("# Marqueurs du site ouest-exemple.fr"))

        let parser = ArticleParser(markers: markers)
        let article = parser.parse("""
            Brest : le port accueille un voilier géant
            Le trois-mâts restera à quai jusqu'à dimanche.
            Les visites sont gratuites.
            À regarder
            Vidéo. Le voilier entre dans la rade
            PUBLICITÉ
            Abonnez-vous à notre offre numérique
            """)
        // The custom list replaces the French one: "À regarder" is body now.
        XCTAssertEqual(article.body, """
            Les visites sont gratuites.
            À regarder
            Vidéo. Le voilier entre dans la rade
            """)
    }

    func testMarkersFromAnEmptyOrCommentOnlyFileCutNothing() {
        let markers = BoilerplateMarkers(fileContents: "# rien\n\n   \n")
        XCTAssertTrue(markers.markers.isEmpty)
        XCTAssertEqual(ArticleParser(markers: markers).parse("T\nL\nA\nCommentaires\nB").body, "A\nCommentaires\nB")
    }

    func testNoneCutsNothing() {
        let article = ArticleParser(markers: .none).parse(Self.newsPage)
        XCTAssertTrue(article.body.contains("Lire aussi le bulletin de Météo-France"))
        XCTAssertTrue(article.body.contains("À regarder\nVidéo. Les images impressionnantes de la crue du Vidourle"))
        XCTAssertTrue(article.body.hasSuffix("Commentaires\nConnectez-vous pour réagir à cet article\nPas encore abonné ? Créez votre compte\nPartager"))
        XCTAssertFalse(BoilerplateMarkers.none.isMarker("Commentaires"))
        XCTAssertEqual(BoilerplateMarkers.none, BoilerplateMarkers([String]()))
    }

    func testDefaultParserUsesTheFrenchMarkers() {
        XCTAssertEqual(ArticleParser().markers, .french)
    }

    /// A file of one long line has no title: its start stands for one, and
    /// the whole text is kept in the body.
    func testOverlongTitleAndLeadAreShortenedAndKeptInTheBody() {
        let longLine = String(repeating: "Le conseil régional vote le budget des lycées. ", count: 100)
        let leadLine = String(repeating: "Les élus débattent. ", count: 150)
        XCTAssertLessThan(leadLine.utf8.count, ArticleParser.Article.maximumLeadBytes)
        let article = ArticleParser().parse(longLine + "\n" + leadLine + "\nFin du compte rendu.")
        XCTAssertTrue(article.title.hasPrefix("Le conseil régional vote"))
        XCTAssertTrue(article.title.hasSuffix("…"))
        XCTAssertLessThanOrEqual(article.title.utf8.count, 210)
        XCTAssertEqual(article.lead, ArticleParser.normalise(leadLine), "4 KB or less is still a lead")
        XCTAssertEqual(article.body, ArticleParser.normalise(longLine) + "\nFin du compte rendu.")
    }
}
