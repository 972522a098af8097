#!/usr/bin/env python3
"""Known-item relevance evaluation of Fouille against baselines, in one run.

Called by `scripts/eval`, which builds the release binary first; see its
header for usage and for how to install the optional baselines.

Each line of the queries file names one document that should come first:
`qid<TAB>query<TAB>relevant-doc-id`, where the id is the path of the .txt
file relative to the corpus folder, as Fouille's document ids are. Every
system answers every query (and each query's variants) for the top 10, and
the report gives, per system and variant, MRR@10, success@1, success@10,
errored queries and latency percentiles, plus how much MRR each variant
loses against the clean queries.

Only the standard library is needed: Tantivy and Xapian are used when their
Python modules can be imported (Xapian possibly by Debian's own Python, in a
subprocess), and reported as "not installed" otherwise.
"""

import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field

TOP_K = 10
VARIANTS = ("clean", "accents", "typos")
# Field weights of Fouille's BM25 (title, lead, body), reused by every
# baseline that has field weights, so that ranking differences come from
# analysis and matching rather than from weighting.
FIELD_WEIGHTS = (10.0, 5.0, 1.0)
# Where Debian's python3-xapian is importable when `python3` is another Python.
SYSTEM_PYTHON = "/usr/bin/python3"


def log(message):
    """Progress goes to standard error, so standard output is the report alone."""
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Corpus and queries
# --------------------------------------------------------------------------

@dataclass
class Document:
    id: str
    title: str
    lead: str
    body: str


@dataclass
class Query:
    qid: str
    text: str
    relevant: str


def walk_corpus(root):
    """Every `.txt` file under root, with Fouille's id: the relative path.

    Mirrors Fouille's walk (hidden files and folders skipped, symbolic links
    not followed, `.txt` in any case) so the baselines see the same documents.
    """
    found = []
    for folder, subfolders, files in os.walk(root, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name.startswith(".") or not name.lower().endswith(".txt") or os.path.islink(path):
                continue
            found.append((os.path.relpath(path, root).replace(os.sep, "/"), path))
    return sorted(found)


def decode_text(raw):
    """Bytes to text roughly as Fouille does: UTF-16 with a BOM, UTF-8, else
    Windows-1252. Good enough for a baseline; Fouille's rules are finer."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


WHITESPACE = re.compile(r"[ \t\v\f\r\u00a0\u0085\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


def parse_article(text):
    """Line 1 the title, line 2 the lead, the rest the body, as Fouille reads
    an article (whitespace runs made one space, blank lines dropped).

    Unlike Fouille, the body is not cut at boilerplate markers ("Lire aussi",
    "Partager"…): the baselines index whole files.
    """
    title, lead, body = None, None, []
    for line in text.split("\n"):
        line = WHITESPACE.sub(" ", line).strip()
        if title is None:
            if line:
                title = line
        elif lead is None:
            lead = line
        elif line:
            body.append(line)
    return title or "", lead or "", "\n".join(body)


def read_corpus(root):
    """The documents the baselines index: those Fouille would index too
    (binary, empty and over-large files are left out, as Fouille does)."""
    documents = []
    for doc_id, path in walk_corpus(root):
        with open(path, "rb") as f:
            raw = f.read()
        if b"\x00" in raw or len(raw) > 10 * 1024 * 1024 or not raw.strip():
            continue
        documents.append(Document(doc_id, *parse_article(decode_text(raw))))
    return documents


def read_queries(path):
    """Reads `qid<TAB>query<TAB>relevant-id` lines.

    A line with more than three fields is read as a query holding tabs: the
    first field is the id, the last the document, the rest the query (its
    tabs become spaces later, when it is sent). Blank lines and `#` comments
    are skipped; malformed lines are reported.
    """
    queries, bad = [], 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) < 3 or not fields[-1].strip():
                bad += 1
                log(f"queries: line {number} is not qid<TAB>query<TAB>doc-id, skipped")
                continue
            queries.append(Query(fields[0], "\t".join(fields[1:-1]), fields[-1].strip()))
    return queries, bad


# --------------------------------------------------------------------------
# Query variants
# --------------------------------------------------------------------------

# Letters NFKD does not decompose but French writes: expanded as typed on a
# keyboard without them.
LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"}


def strip_accents(text):
    """é→e, ç→c, œ→oe, æ→ae…: what a person typing without accents sends.

    Only letters are decomposed (NFKD, combining marks dropped), so that
    punctuation such as « … » stays as written and only accents change.
    """
    out = []
    for ch in text:
        if ch in LIGATURES:
            out.append(LIGATURES[ch])
        elif ch.isalpha() and not ch.isascii():
            out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)))
        else:
            out.append(ch)
    return "".join(out)


LETTER_RUN = re.compile(r"[^\W\d_]+")


def add_typo(text, rng):
    """One typo: two adjacent inner letters swapped in one word of 5+ letters.

    Inner letters (neither first nor last) keep the word recognisable, as
    real typos do. Pairs of identical letters are not candidates (swapping
    them changes nothing). Returns None when the query has no such word.
    """
    candidates = []
    for match in LETTER_RUN.finditer(text):
        word = match.group()
        if len(word) < 5:
            continue
        pairs = [i for i in range(1, len(word) - 2) if word[i] != word[i + 1]]
        if pairs:
            candidates.append((match.start(), pairs))
    if not candidates:
        return None
    start, pairs = rng.choice(candidates)
    i = start + rng.choice(pairs)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def make_variants(queries, wanted, seed):
    """The query texts of each variant, in the order of `queries`, and a note
    per variant saying how many queries it left unchanged.

    Each query's typo comes from its own generator, seeded with the seed and
    its id: adding or removing other lines does not change it.
    """
    variants, notes = {}, {}
    for name in wanted:
        if name == "clean":
            variants[name] = [q.text for q in queries]
        elif name == "accents":
            variants[name] = [strip_accents(q.text) for q in queries]
            same = sum(a == q.text for a, q in zip(variants[name], queries))
            notes[name] = f"accents: {same} of {len(queries)} queries have no accent and are unchanged"
        elif name == "typos":
            texts, same = [], 0
            for q in queries:
                typo = add_typo(q.text, random.Random(f"{seed}:{q.qid}"))
                same += typo is None
                texts.append(q.text if typo is None else typo)
            variants[name] = texts
            notes[name] = f"typos (seed {seed}): {same} of {len(queries)} queries have no word of 5+ letters to alter and are unchanged"
    return variants, notes


# --------------------------------------------------------------------------
# Running queries and scoring them
# --------------------------------------------------------------------------

class SearchError(Exception):
    """A query the system could not answer: counted as an error, not a miss."""


@dataclass
class Answer:
    ranked: list          # document ids, best first (empty on error)
    latency_ms: float
    error: str = None


def run_queries(search, texts):
    """Runs each query once, sequentially, timing it around the call."""
    answers = []
    for text in texts:
        start = time.perf_counter()
        try:
            ranked, error = search(text), None
        except SearchError as e:
            ranked, error = [], str(e) or "error"
        answers.append(Answer(ranked[:TOP_K], (time.perf_counter() - start) * 1000, error))
    return answers


def percentile(values, p):
    """Nearest-rank percentile: a value actually measured, no interpolation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Row:
    system: str
    variant: str
    queries: int
    mrr: float
    success1: float
    success10: float
    errors: int
    p50: float
    p95: float
    delta: float = None   # relative change of MRR against the clean variant
    failures: list = field(default_factory=list)


def score(system, variant, queries, answers):
    """MRR@10, success@1 and @10 of one system on one variant. An errored
    query scores 0 and is counted apart."""
    rr, s1, s10, failures = 0.0, 0, 0, []
    for q, a in zip(queries, answers):
        if a.error is not None:
            failures.append((q.qid, a.error))
            continue
        if q.relevant in a.ranked:
            rank = a.ranked.index(q.relevant) + 1
            rr += 1 / rank
            s1 += rank == 1
            s10 += 1
    n = max(len(queries), 1)
    latencies = [a.latency_ms for a in answers]
    return Row(system, variant, len(queries), rr / n, s1 / n, s10 / n, len(failures),
               percentile(latencies, 50), percentile(latencies, 95), failures=failures)


# --------------------------------------------------------------------------
# Fouille: ingest, daemon, socket client
# --------------------------------------------------------------------------

def flatten(text):
    """A query as one protocol line: tabs, CR, LF (and other line breaks)
    become spaces, since a line break would end the request early."""
    return re.sub(r"[\t\r\n\v\f\x85\u2028\u2029]", " ", text)


OPTION_LIKE = re.compile(r"(?i)(limit|offset)=")


def search_line(text):
    """The SEARCH request for a query. A query whose first word looks like an
    option (`limit=5 …`) would be read as one: a `(` before it stops option
    parsing, and the query parser reads parentheses as spaces."""
    text = flatten(text).strip(" ")
    if OPTION_LIKE.match(text):
        text = "( " + text
    return f"SEARCH limit={TOP_K} {text}\n".encode("utf-8")


class FouilleDaemon:
    """`fouille serve` on a temporary socket, and one client connection to it.

    Started on a freshly ingested index; stopped with SIGTERM (as systemd
    does) so that a daemon which does not shut down cleanly is noticed.
    """

    def __init__(self, binary, index, workdir):
        self.binary, self.index = binary, index
        self.socket_path = os.path.join(workdir, "fouille.sock")
        self.log_path = os.path.join(workdir, "serve.log")
        self.process = None
        self.connection = None
        self.reader = None

    def start(self, timeout=60):
        """Starts the daemon and waits until it answers PING."""
        with open(self.log_path, "wb") as logfile:
            self.process = subprocess.Popen(
                [self.binary, "serve", "--index", self.index, "--socket", self.socket_path],
                stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fouille serve exited with status {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.connect()
                self.send_line(b"PING\n")
                if self.read_response()[-1] == "OK PONG":
                    return
            except (OSError, SearchError):
                self.disconnect()
            time.sleep(0.05)
        raise RuntimeError(f"fouille serve did not answer within {timeout} s:\n{self.log_tail()}")

    def connect(self):
        self.connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.connection.settimeout(30)
        self.connection.connect(self.socket_path)
        self.reader = self.connection.makefile("rb")

    def disconnect(self):
        for thing in (self.reader, self.connection):
            try:
                if thing is not None:
                    thing.close()
            except OSError:
                pass
        self.connection = self.reader = None

    def send_line(self, line):
        self.connection.sendall(line)

    def read_response(self):
        """Lines up to and including the final `OK`/`ERR` line."""
        lines = []
        while True:
            raw = self.reader.readline()
            if not raw:
                raise SearchError("connection closed by the daemon")
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            lines.append(line)
            if line.startswith("OK") or line.startswith("ERR"):
                return lines

    def search(self, text):
        """Document ids of the top hits. An `ERR` answer or a socket failure
        is a SearchError; after a socket failure the next query reconnects."""
        try:
            if self.connection is None:
                self.connect()
            self.send_line(search_line(text))
            lines = self.read_response()
        except OSError as e:
            self.disconnect()
            raise SearchError(f"socket: {e}")
        except SearchError:
            self.disconnect()
            raise
        if lines[-1].startswith("ERR"):
            raise SearchError(lines[-1])
        return [line.split("\t")[3] for line in lines[:-1] if line.startswith("HIT\t")]

    def stop(self, grace=20):
        """QUIT, then SIGTERM; SIGKILL only if it does not exit in time."""
        if self.connection is not None:
            try:
                self.send_line(b"QUIT\n")
                self.read_response()
            except (OSError, SearchError):
                pass
        self.disconnect()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(grace)
            if status != 0:
                log(f"fouille serve exited with status {status} on SIGTERM:\n{self.log_tail()}")
        except subprocess.TimeoutExpired:
            log(f"fouille serve still running {grace} s after SIGTERM: killed")
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


def ingest(binary, corpus, index):
    """`fouille ingest` into a new index. Status 1 (some files failed) still
    leaves a usable index: the report says so rather than stopping."""
    result = subprocess.run([binary, "ingest", "--index", index, corpus],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"fouille ingest failed with status {result.returncode}:\n{result.stderr}")
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    log(f"fouille ingest: {summary}")
    if result.returncode == 1:
        log(f"fouille ingest: some files failed:\n{result.stderr}")
    return summary


def fouille_ids(index):
    """The document ids in Fouille's index, read from the generation file
    that CURRENT names: the ids queries must name to be findable."""
    with open(os.path.join(index, "CURRENT"), encoding="utf-8") as f:
        generation = os.path.join(index, f.read().strip())
    connection = sqlite3.connect(generation)
    try:
        return {row[0] for row in connection.execute("SELECT id FROM documents")}
    finally:
        connection.close()


# --------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------

WORD = re.compile(r"[^\W_]+")


class Fts5Baseline:
    """A plain FTS5 table (`unicode61 remove_diacritics 2`): what SQLite gives
    without Fouille's French analysis and tiered ranking.

    Columns title, lead, body; bm25 with column weights 10, 5, 1. `mode`
    "or" joins the query's quoted words with OR, "and" requires them all.
    Quoting each word keeps FTS5 syntax (AND, NEAR, `:`, `-`) out of play.
    """

    def __init__(self, documents):
        self.ids = [d.id for d in documents]
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, lead, body, "
                        "tokenize='unicode61 remove_diacritics 2')")
        self.db.executemany("INSERT INTO docs(rowid, title, lead, body) VALUES (?, ?, ?, ?)",
                            [(i, d.title, d.lead, d.body) for i, d in enumerate(documents)])
        self.db.commit()
        weights = ", ".join(f"{w:g}" for w in FIELD_WEIGHTS)
        self.sql = f"SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, {weights}) LIMIT {TOP_K}"

    def searcher(self, mode):
        joiner = " OR " if mode == "or" else " AND "

        def search(text):
            words = WORD.findall(text)
            if not words:
                return []
            try:
                rows = self.db.execute(self.sql, (joiner.join(f'"{w}"' for w in words),)).fetchall()
            except sqlite3.Error as e:
                raise SearchError(f"sqlite: {e}")
            return [self.ids[r[0]] for r in rows]
        return search


def tantivy_status():
    """None when Tantivy can be used, else why not: the Python binding must
    be recent enough to build a custom analyzer (TextAnalyzerBuilder)."""
    try:
        import tantivy
    except ImportError:
        return "not installed (pip install tantivy)"
    if not hasattr(tantivy, "TextAnalyzerBuilder"):
        return "installed, but too old to build a French analyzer (pip install -U tantivy)"
    return None


class TantivyBaseline:
    """Tantivy with a French analyzer built from its own filters.

    Simple tokenizer (splits at apostrophes, so `l'` goes as a stop word),
    lowercase, French stop words, ASCII folding, then the French Snowball
    stemmer. Folding comes before stemming, as in Fouille, so that a word
    with or without accents gets the same stem. Queries are parsed leniently
    (never an error) as an OR over title, lead and body, boosted 10, 5, 1.
    """

    def __init__(self, documents, workdir):
        import tantivy
        self.tantivy = tantivy
        analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                    .filter(tantivy.Filter.lowercase())
                    .filter(tantivy.Filter.stopword("french"))
                    .filter(tantivy.Filter.ascii_fold())
                    .filter(tantivy.Filter.stemmer("french"))
                    .build())
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        for name in ("title", "lead", "body"):
            builder.add_text_field(name, tokenizer_name="fr")
        path = os.path.join(workdir, "tantivy")
        os.makedirs(path)
        self.index = tantivy.Index(builder.build(), path=path)
        self.index.register_tokenizer("fr", analyzer)
        writer = self.index.writer()
        for d in documents:
            writer.add_document(tantivy.Document(id=d.id, title=d.title, lead=d.lead, body=d.body))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        self.boosts = dict(zip(("title", "lead", "body"), FIELD_WEIGHTS))

    def search(self, text):
        query, _errors = self.index.parse_query_lenient(
            flatten(text), ["title", "lead", "body"], field_boosts=self.boosts)
        try:
            hits = self.searcher.search(query, TOP_K).hits
        except ValueError as e:
            raise SearchError(f"tantivy: {e}")
        return [self.searcher.doc(address)["id"][0] for _score, address in hits]


class XapianBaseline:
    """Xapian with its French Snowball stemmer, STEM_ALL, default OR.

    Xapian has no per-field BM25: title and lead are indexed with their
    within-document frequency multiplied by 10 and 5, the nearest thing to
    the field weights the others use. Xapian does not fold accents and keeps
    `l'` on its word; it is shown as configured, not tuned.
    """

    def __init__(self, documents, workdir):
        import xapian
        self.xapian = xapian
        stemmer = xapian.Stem("french")
        db = xapian.WritableDatabase(os.path.join(workdir, "xapian"), xapian.DB_CREATE_OR_OVERWRITE)
        generator = xapian.TermGenerator()
        generator.set_stemmer(stemmer)
        generator.set_stemming_strategy(xapian.TermGenerator.STEM_ALL)
        for d in documents:
            doc = xapian.Document()
            generator.set_document(doc)
            for text, weight in zip((d.title, d.lead, d.body), FIELD_WEIGHTS):
                generator.index_text(text, int(weight))
                generator.increase_termpos()
            doc.set_data(d.id)
            db.add_document(doc)
        db.commit()
        self.db = db
        self.parser = xapian.QueryParser()
        self.parser.set_stemmer(stemmer)
        self.parser.set_stemming_strategy(xapian.QueryParser.STEM_ALL)
        self.parser.set_default_op(xapian.Query.OP_OR)
        self.parser.set_database(db)

    def search(self, text):
        xapian = self.xapian
        text = flatten(text)
        try:
            query = self.parser.parse_query(text, xapian.QueryParser.FLAG_DEFAULT)
        except xapian.QueryParserError:
            query = self.parser.parse_query(text, 0)   # plain words only
        try:
            enquire = xapian.Enquire(self.db)
            enquire.set_query(query)
            return [m.document.get_data().decode("utf-8") for m in enquire.get_mset(0, TOP_K)]
        except xapian.Error as e:
            raise SearchError(f"xapian: {e}")


def xapian_python():
    """The Python that can import xapian: this one, else Debian's
    /usr/bin/python3 (where apt installs python3-xapian), else None."""
    try:
        import xapian  # noqa: F401
        return sys.executable
    except ImportError:
        pass
    if os.path.exists(SYSTEM_PYTHON) and os.path.realpath(SYSTEM_PYTHON) != os.path.realpath(sys.executable):
        probe = subprocess.run([SYSTEM_PYTHON, "-c", "import xapian"], capture_output=True)
        if probe.returncode == 0:
            return SYSTEM_PYTHON
    return None


def run_xapian_worker(python, corpus, variants, workdir):
    """Runs the Xapian baseline in `python` (this script, `--worker xapian`),
    sending the variants' queries as JSON and reading the answers back."""
    request = json.dumps({"corpus": corpus, "workdir": workdir, "variants": variants})
    result = subprocess.run([python, os.path.abspath(__file__), "--worker", "xapian"],
                            input=request, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"xapian worker failed:\n{result.stderr}")
    answers = json.loads(result.stdout)
    return {name: [Answer(a["ranked"], a["latency_ms"], a["error"]) for a in items]
            for name, items in answers.items()}


def xapian_worker():
    """The worker side: index the corpus with Xapian, answer every variant."""
    request = json.load(sys.stdin)
    baseline = XapianBaseline(read_corpus(request["corpus"]), request["workdir"])
    out = {name: [a.__dict__ for a in run_queries(baseline.search, texts)]
           for name, texts in request["variants"].items()}
    json.dump(out, sys.stdout)


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def add_deltas(rows):
    """Relative change of each variant's MRR against the same system's clean run."""
    clean = {r.system: r.mrr for r in rows if r.variant == "clean"}
    for r in rows:
        base = clean.get(r.system)
        if r.variant != "clean" and base:
            r.delta = (r.mrr - base) / base * 100


def format_table(rows):
    header = ("system", "variant", "queries", "MRR@10", "S@1", "S@10", "errors", "p50 ms", "p95 ms", "ΔMRR vs clean")
    body = []
    for r in rows:
        delta = "" if r.variant == "clean" else ("n/a" if r.delta is None else f"{r.delta:+.1f}%")
        body.append((r.system, r.variant, str(r.queries), f"{r.mrr:.4f}", f"{r.success1:.4f}",
                     f"{r.success10:.4f}", str(r.errors), f"{r.p50:.2f}", f"{r.p95:.2f}", delta))
    widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
    left = {0, 1}
    lines = []
    for row in [header] + body:
        cells = [c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary_line(rows):
    """One line for scripts: Fouille's clean MRR, its losses under accents
    and typos, and its errored queries over every variant."""
    fouille = {r.variant: r for r in rows if r.system == "fouille"}
    def delta(variant):
        r = fouille.get(variant)
        return "n/a" if r is None or r.delta is None else f"{r.delta:+.1f}%"
    mrr = f"{fouille['clean'].mrr:.4f}" if "clean" in fouille else "n/a"
    errors = sum(r.errors for r in fouille.values())
    return (f"fouille_mrr10={mrr} fouille_accents_delta={delta('accents')} "
            f"fouille_typos_delta={delta('typos')} errors={errors}")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def check_ids(queries, index_ids, corpus_ids):
    """Says whether the queries' relevant ids name documents of the index;
    returns the queries that can be judged (the others are left out)."""
    missing = [q for q in queries if q.relevant not in index_ids]
    print(f"documents: {len(index_ids)} in Fouille's index, {len(corpus_ids)} read by the baselines"
          + ("" if index_ids == corpus_ids else
             f" (differ: {len(index_ids - corpus_ids)} only in Fouille, {len(corpus_ids - index_ids)} only in the baselines)"))
    if missing:
        shown = ", ".join(f"{q.qid} → {q.relevant}" for q in missing[:10])
        print(f"relevant ids missing from the corpus: {len(missing)} of {len(queries)} queries, left out "
              f"of every metric: {shown}{' …' if len(missing) > 10 else ''}")
    else:
        print(f"relevant ids: all {len(queries)} found among Fouille's document ids")
    return [q for q in queries if q.relevant in index_ids]


def evaluate_system(name, search, queries, variants, rows):
    for variant, texts in variants.items():
        log(f"{name}: {variant} …")
        rows.append(score(name, variant, queries, run_queries(search, texts)))


def main(argv):
    parser = argparse.ArgumentParser(prog="scripts/eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", metavar="CORPUS_DIR")
    parser.add_argument("queries", metavar="QUERIES_TSV")
    parser.add_argument("--variants", choices=("all",) + VARIANTS, default="all")
    parser.add_argument("--seed", type=int, default=1, help="seed of the typos (default 1)")
    parser.add_argument("--fouille", default=os.environ.get("FOUILLE_BIN"),
                        help="the fouille binary (default $FOUILLE_BIN)")
    args = parser.parse_args(argv)
    if not args.fouille:
        parser.error("no fouille binary: give --fouille or set FOUILLE_BIN (scripts/eval does)")
    binary = os.path.abspath(args.fouille)
    corpus = os.path.abspath(args.corpus)
    if not os.path.isdir(corpus):
        parser.error(f"{args.corpus} is not a folder")

    queries, bad = read_queries(args.queries)
    if not queries:
        parser.error(f"{args.queries} holds no query")
    wanted = VARIANTS if args.variants == "all" else ("clean", args.variants)
    workdir = tempfile.mkdtemp(prefix="fouille-eval-")
    daemon = None
    # SIGTERM to the harness unwinds like Ctrl-C, so the daemon and the
    # temporary folder are still cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        index = os.path.join(workdir, "index")
        ingest(binary, corpus, index)
        documents = read_corpus(corpus)
        if bad:
            print(f"queries: {bad} malformed lines skipped")
        queries = check_ids(queries, fouille_ids(index), {d.id for d in documents})
        variants, notes = make_variants(queries, wanted, args.seed)
        for note in notes.values():
            print(note)

        rows = []
        daemon = FouilleDaemon(binary, index, workdir)
        daemon.start()
        evaluate_system("fouille", daemon.search, queries, variants, rows)
        daemon.stop()
        daemon = None

        log("fts5: indexing …")
        fts5 = Fts5Baseline(documents)
        evaluate_system("fts5-or", fts5.searcher("or"), queries, variants, rows)
        evaluate_system("fts5-and", fts5.searcher("and"), queries, variants, rows)

        skipped = []
        why_not = tantivy_status()
        if why_not is None:
            log("tantivy: indexing …")
            evaluate_system("tantivy", TantivyBaseline(documents, workdir).search, queries, variants, rows)
        else:
            skipped.append(f"tantivy: {why_not}")
        python = xapian_python()
        if python:
            log(f"xapian: indexing and querying with {python} …")
            for variant, answers in run_xapian_worker(python, corpus, variants, workdir).items():
                rows.append(score("xapian", variant, queries, answers))
        else:
            skipped.append("xapian: not installed (apt-get install python3-xapian)")

        add_deltas(rows)
        print()
        print(format_table(rows))
        print()
        print("fts5-*: plain FTS5, unicode61 remove_diacritics 2, bm25 weights title 10, lead 5, body 1, "
              "no boilerplate cut; OR / AND of the quoted words.")
        print("Latency: fouille through its socket (client side, one connection); baselines in-process.")
        for line in skipped:
            print(line)
        for r in rows:
            for qid, message in r.failures[:10]:
                print(f"error: {r.system} {r.variant} {qid}: {message}")
        print(summary_line(rows))
        return 1 if any(r.errors for r in rows if r.system == "fouille") else 0
    except RuntimeError as e:
        log(f"eval: {e}")
        return 2
    finally:
        if daemon is not None:
            daemon.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:3] == ["--worker", "xapian"]:
        xapian_worker()
    else:
        sys.exit(main(sys.argv[1:]))
