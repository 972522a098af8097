import FouilleAnalysis
import XCTest

final class FrenchAnalyzerTests: XCTestCase {
    func testSmoke() {
        let a = FrenchAnalyzer()
        print(a.tokens("L’Ukraine et la Corée du Nord, aujourd'hui : Qu'il vienne ! États-Unis Kim Jong-un œuvre Straße ﬁn Ｐａｒｉｓ événements coopération 3,5 2024 O'Neill"))
    }
}
