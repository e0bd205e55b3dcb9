/*
 * LucenePeer: the Apache Lucene baseline of the newsearch benchmarks, i.e. what an
 * Elasticsearch / OpenSearch index with the built-in "arabic" analyzer and BM25 gives.
 *
 * Single file, default package, needs only lucene-core, lucene-analyzers-common and
 * lucene-queries (Debian: liblucene8-java). See README.md beside this file.
 *
 *   index  DOCS.jsonl INDEX_DIR
 *   search INDEX_DIR QUERIES.tsv K FIELDS OUT.trec LAT.tsv
 *          [--mode best_fields|most_fields] [--boost FIELD=X]... [--k1 1.2] [--b 0.75]
 *   mlt    INDEX_DIR DOCS.jsonl IDS.txt K OUT.trec LAT.tsv
 *
 * Errors go to stderr with exit status 1 (2 for a usage error).
 */

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.queries.mlt.MoreLikeThis;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.DisjunctionMaxQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.QueryBuilder;
import org.apache.lucene.util.Version;

public final class LucenePeer {

    static final String ID = "id";
    static final String TITLE = "title";
    static final String BODY = "body";
    static final List<String> TEXT_FIELDS = List.of(TITLE, BODY);
    static final Set<String> ID_ONLY = Set.of(ID);

    /** A failure to report to the user in one line (no stack trace). */
    static final class PeerError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        PeerError(String message) {
            this(message, 1);
        }

        PeerError(String message, int status) {
            super(message);
            this.status = status;
        }
    }

    static final String USAGE = String.join("\n",
            "usage:",
            "  LucenePeer index  DOCS.jsonl INDEX_DIR",
            "  LucenePeer search INDEX_DIR QUERIES.tsv K FIELDS OUT.trec LAT.tsv",
            "                    [--mode best_fields|most_fields] [--boost FIELD=X]...",
            "                    [--k1 1.2] [--b 0.75]",
            "  LucenePeer mlt    INDEX_DIR DOCS.jsonl IDS.txt K OUT.trec LAT.tsv",
            "  LucenePeer version");

    public static void main(String[] args) {
        try {
            if (args.length == 0) {
                throw new PeerError(USAGE, 2);
            }
            String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
            switch (args[0]) {
                case "index":
                    index(rest);
                    break;
                case "search":
                    search(rest);
                    break;
                case "mlt":
                    mlt(rest);
                    break;
                case "version":
                    System.out.println("{\"lucene\": \"" + Version.LATEST + "\"}");
                    break;
                default:
                    throw new PeerError("unknown command '" + args[0] + "'\n" + USAGE, 2);
            }
        } catch (PeerError e) {
            System.err.println("LucenePeer: " + e.getMessage());
            System.exit(e.status);
        } catch (NoSuchFileException e) {
            System.err.println("LucenePeer: no such file: " + e.getMessage());
            System.exit(1);
        } catch (IndexNotFoundException e) {
            System.err.println("LucenePeer: no Lucene index: " + e.getMessage());
            System.exit(1);
        } catch (Exception e) {
            System.err.println("LucenePeer: " + e);
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }

    /** Elasticsearch's built-in "arabic" analyzer is exactly this, with its default stopwords. */
    static Analyzer analyzer() {
        return new ArabicAnalyzer();
    }

    // ------------------------------------------------------------------ index

    static void index(String[] args) throws Exception {
        if (args.length != 2) {
            throw new PeerError("index takes DOCS.jsonl INDEX_DIR\n" + USAGE, 2);
        }
        Path docsPath = Paths.get(args[0]);
        Path indexPath = Paths.get(args[1]);

        // Parse first (not timed): the build time is Lucene's analysis, indexing and commit.
        List<String[]> docs = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(docsPath, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                Map<String, String> obj;
                try {
                    obj = new FlatJson(line).object();
                } catch (PeerError e) {
                    throw new PeerError(docsPath + ":" + lineNo + ": " + e.getMessage());
                }
                String id = obj.get(ID);
                if (id == null || id.isEmpty()) {
                    throw new PeerError(docsPath + ":" + lineNo + ": no \"id\"");
                }
                docs.add(new String[] {id, obj.getOrDefault(TITLE, ""), obj.getOrDefault(BODY, "")});
            }
        }

        Files.createDirectories(indexPath);
        long t0 = System.nanoTime();
        IndexWriterConfig config = new IndexWriterConfig(analyzer())
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
                .setSimilarity(new BM25Similarity())
                .setRAMBufferSizeMB(256.0)
                .setCommitOnClose(false);
        try (Directory dir = FSDirectory.open(indexPath);
                IndexWriter writer = new IndexWriter(dir, config)) {
            // One Document reused for every article (Lucene's recommended fast path). Only the
            // id is stored: reading it back then decompresses small blocks (storing the text,
            // as Elasticsearch's _source does, doubled the search time here). mlt takes the
            // text from DOCS.jsonl instead.
            Field idField = new StringField(ID, "", Field.Store.YES);
            Field titleField = new TextField(TITLE, "", Field.Store.NO);
            Field bodyField = new TextField(BODY, "", Field.Store.NO);
            Document doc = new Document();
            doc.add(idField);
            doc.add(titleField);
            doc.add(bodyField);
            for (String[] d : docs) {
                idField.setStringValue(d[0]);
                titleField.setStringValue(d[1]);
                bodyField.setStringValue(d[2]);
                writer.addDocument(doc);
            }
            writer.commit();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.println(String.format(Locale.ROOT,
                "{\"docs\": %d, \"seconds\": %.6f, \"lucene\": \"%s\"}",
                docs.size(), seconds, Version.LATEST));
    }

    // ------------------------------------------------------------------ search

    static void search(String[] args) throws Exception {
        if (args.length < 6) {
            throw new PeerError("search takes INDEX_DIR QUERIES.tsv K FIELDS OUT.trec LAT.tsv\n"
                    + USAGE, 2);
        }
        Path indexPath = Paths.get(args[0]);
        Path queriesPath = Paths.get(args[1]);
        int k = parsePositiveInt("K", args[2]);
        List<String> fields = parseFields(args[3]);
        Path outPath = Paths.get(args[4]);
        Path latPath = Paths.get(args[5]);

        String mode = "best_fields";
        Map<String, Float> boosts = new HashMap<>();
        float k1 = 1.2f;
        float b = 0.75f;
        for (int i = 6; i < args.length; i++) {
            String opt = args[i];
            if (i + 1 >= args.length) {
                throw new PeerError("option " + opt + " needs a value", 2);
            }
            String val = args[++i];
            switch (opt) {
                case "--mode":
                    if (!val.equals("best_fields") && !val.equals("most_fields")) {
                        throw new PeerError("--mode must be best_fields or most_fields, not '"
                                + val + "'", 2);
                    }
                    mode = val;
                    break;
                case "--boost": {
                    int eq = val.indexOf('=');
                    if (eq <= 0) {
                        throw new PeerError("--boost takes FIELD=X, not '" + val + "'", 2);
                    }
                    String f = val.substring(0, eq);
                    if (!TEXT_FIELDS.contains(f)) {
                        throw new PeerError("--boost: unknown field '" + f + "'", 2);
                    }
                    boosts.put(f, parseFloat("--boost " + f, val.substring(eq + 1)));
                    break;
                }
                case "--k1":
                    k1 = parseFloat("--k1", val);
                    break;
                case "--b":
                    b = parseFloat("--b", val);
                    break;
                default:
                    throw new PeerError("unknown option " + opt + "\n" + USAGE, 2);
            }
        }
        // Elasticsearch multi_match: best_fields is dis_max with tie_breaker 0 (the default),
        // most_fields is dis_max with tie_breaker 1, i.e. the sum of the per-field scores.
        float tieBreaker = mode.equals("best_fields") ? 0.0f : 1.0f;

        List<String[]> queries = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(queriesPath, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    continue;
                }
                int tab = line.indexOf('\t');
                String qid = tab < 0 ? line : line.substring(0, tab);
                String text = tab < 0 ? "" : line.substring(tab + 1);
                queries.add(new String[] {qid.strip(), text});
            }
        }

        Analyzer analyzer = analyzer();
        QueryBuilder builder = new QueryBuilder(analyzer);
        try (Directory dir = FSDirectory.open(indexPath);
                DirectoryReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            searcher.setSimilarity(new BM25Similarity(k1, b));

            // Warm-up pass (JIT, page cache), results discarded.
            for (String[] q : queries) {
                Query query = buildQuery(builder, q[1], fields, boosts, tieBreaker);
                if (query != null) {
                    topIds(searcher, query, k, -1);
                }
            }

            try (BufferedWriter out = Files.newBufferedWriter(outPath, StandardCharsets.UTF_8);
                    BufferedWriter lat = Files.newBufferedWriter(latPath, StandardCharsets.UTF_8)) {
                for (String[] q : queries) {
                    long t0 = System.nanoTime();
                    Query query = buildQuery(builder, q[1], fields, boosts, tieBreaker);
                    List<Hit> hits = query == null
                            ? Collections.emptyList() : topIds(searcher, query, k, -1);
                    long t1 = System.nanoTime();
                    writeRun(out, q[0], hits);
                    writeLatency(lat, q[0], t1 - t0);
                }
            }
        }
    }

    /** Elasticsearch's multi_match (type best_fields / most_fields, operator OR) in Lucene
     * terms; null when the text analyzes to no term in any field. */
    static Query buildQuery(QueryBuilder builder, String text, List<String> fields,
            Map<String, Float> boosts, float tieBreaker) {
        List<Query> perField = new ArrayList<>();
        for (String field : fields) {
            // The "match" query of Elasticsearch: one SHOULD TermQuery per analyzed token.
            Query q = builder.createBooleanQuery(field, text, BooleanClause.Occur.SHOULD);
            if (q == null) {
                continue;
            }
            float boost = boosts.getOrDefault(field, 1.0f);
            perField.add(boost == 1.0f ? q : new BoostQuery(q, boost));
        }
        if (perField.isEmpty()) {
            return null;
        }
        if (perField.size() == 1) {
            return perField.get(0);
        }
        return new DisjunctionMaxQuery(perField, tieBreaker);
    }

    // ------------------------------------------------------------------ mlt

    static void mlt(String[] args) throws Exception {
        if (args.length != 6) {
            throw new PeerError("mlt takes INDEX_DIR DOCS.jsonl IDS.txt K OUT.trec LAT.tsv\n"
                    + USAGE, 2);
        }
        Path indexPath = Paths.get(args[0]);
        Path docsPath = Paths.get(args[1]);
        Path idsPath = Paths.get(args[2]);
        int k = parsePositiveInt("K", args[3]);
        Path outPath = Paths.get(args[4]);
        Path latPath = Paths.get(args[5]);

        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(idsPath, StandardCharsets.UTF_8)) {
            String id = line.strip();
            if (!id.isEmpty()) {
                ids.add(id);
            }
        }
        Map<String, Map<String, Collection<Object>>> texts = readTexts(docsPath, ids);

        try (Directory dir = FSDirectory.open(indexPath);
                DirectoryReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            searcher.setSimilarity(new BM25Similarity());
            // Lucene's defaults: minTermFreq 2, minDocFreq 5, maxQueryTerms 25, no msm.
            MoreLikeThis mlt = new MoreLikeThis(reader);
            mlt.setAnalyzer(analyzer());
            mlt.setFieldNames(TEXT_FIELDS.toArray(new String[0]));

            int[] docNums = new int[ids.size()];
            for (int i = 0; i < ids.size(); i++) {
                TopDocs td = searcher.search(new TermQuery(new Term(ID, ids.get(i))), 1);
                if (td.scoreDocs.length == 0) {
                    throw new PeerError("mlt: doc id '" + ids.get(i) + "' is not in the index");
                }
                docNums[i] = td.scoreDocs[0].doc;
            }

            // like(Map) analyzes the document's title and body exactly as like(docNum) does
            // with stored fields; the text comes from DOCS.jsonl as the index stores none.
            for (int i = 0; i < ids.size(); i++) { // warm-up pass
                topIds(searcher, mlt.like(texts.get(ids.get(i))), k, docNums[i]);
            }
            try (BufferedWriter out = Files.newBufferedWriter(outPath, StandardCharsets.UTF_8);
                    BufferedWriter lat = Files.newBufferedWriter(latPath, StandardCharsets.UTF_8)) {
                for (int i = 0; i < ids.size(); i++) {
                    String id = ids.get(i);
                    long t0 = System.nanoTime();
                    List<Hit> hits = topIds(searcher, mlt.like(texts.get(id)), k, docNums[i]);
                    long t1 = System.nanoTime();
                    writeRun(out, id, hits);
                    writeLatency(lat, id, t1 - t0);
                }
            }
        }
    }

    /** title and body of the documents {@code ids} from DOCS.jsonl, as MoreLikeThis wants. */
    static Map<String, Map<String, Collection<Object>>> readTexts(Path docsPath, List<String> ids)
            throws IOException, PeerError {
        Set<String> wanted = new HashSet<>(ids);
        Map<String, Map<String, Collection<Object>>> texts = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(docsPath, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null && texts.size() < wanted.size()) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                Map<String, String> obj;
                try {
                    obj = new FlatJson(line).object();
                } catch (PeerError e) {
                    throw new PeerError(docsPath + ":" + lineNo + ": " + e.getMessage());
                }
                String id = obj.get(ID);
                if (id != null && wanted.contains(id)) {
                    Map<String, Collection<Object>> fields = new HashMap<>();
                    for (String f : TEXT_FIELDS) {
                        fields.put(f, List.of(obj.getOrDefault(f, "")));
                    }
                    texts.put(id, fields);
                }
            }
        }
        for (String id : ids) {
            if (!texts.containsKey(id)) {
                throw new PeerError("mlt: doc id '" + id + "' is not in " + docsPath);
            }
        }
        return texts;
    }

    // ------------------------------------------------------------------ shared

    static final class Hit {
        final String id;
        final float score;

        Hit(String id, float score) {
            this.id = id;
            this.score = score;
        }
    }

    /** Top k hits with their stored ids; {@code exclude} (a docNum, or -1) is left out, for
     * which one extra hit is fetched. */
    static List<Hit> topIds(IndexSearcher searcher, Query query, int k, int exclude)
            throws IOException {
        TopDocs top = searcher.search(query, exclude < 0 ? k : k + 1);
        List<Hit> hits = new ArrayList<>(top.scoreDocs.length);
        for (ScoreDoc sd : top.scoreDocs) {
            if (sd.doc == exclude) {
                continue;
            }
            if (hits.size() == k) {
                break;
            }
            hits.add(new Hit(searcher.doc(sd.doc, ID_ONLY).get(ID), sd.score));
        }
        return hits;
    }

    static void writeRun(BufferedWriter out, String qid, List<Hit> hits) throws IOException {
        int rank = 1;
        for (Hit h : hits) {
            out.write(qid + " Q0 " + h.id + " " + rank++ + " " + h.score + " lucene\n");
        }
    }

    static void writeLatency(BufferedWriter lat, String qid, long nanos) throws IOException {
        lat.write(qid + "\t" + String.format(Locale.ROOT, "%.6f", nanos / 1e6) + "\n");
    }

    static List<String> parseFields(String spec) throws PeerError {
        List<String> fields = new ArrayList<>();
        for (String f : spec.split(",")) {
            f = f.strip();
            if (!TEXT_FIELDS.contains(f)) {
                throw new PeerError("FIELDS: unknown field '" + f + "' (choose among title,body)",
                        2);
            }
            if (!fields.contains(f)) {
                fields.add(f);
            }
        }
        return fields;
    }

    static int parsePositiveInt(String what, String s) throws PeerError {
        try {
            int v = Integer.parseInt(s);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new PeerError(what + " must be a positive integer, not '" + s + "'", 2);
    }

    static float parseFloat(String what, String s) throws PeerError {
        try {
            float v = Float.parseFloat(s);
            if (Float.isFinite(v) && v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new PeerError(what + " must be a non-negative number, not '" + s + "'", 2);
    }

    /** A minimal JSON reader for one flat object per line: string values are kept; numbers,
     * true, false and null are skipped; nested objects and arrays are refused. */
    static final class FlatJson {
        private final String s;
        private int i;

        FlatJson(String s) {
            this.s = s;
        }

        Map<String, String> object() throws PeerError {
            Map<String, String> out = new LinkedHashMap<>();
            ws();
            expect('{');
            ws();
            if (peek() == '}') {
                i++;
            } else {
                while (true) {
                    ws();
                    String key = string();
                    ws();
                    expect(':');
                    ws();
                    char c = peek();
                    if (c == '"') {
                        out.put(key, string());
                    } else if (c == '{' || c == '[') {
                        throw new PeerError("value of \"" + key + "\" is not a string");
                    } else {
                        scalar();
                    }
                    ws();
                    char sep = next();
                    if (sep == '}') {
                        break;
                    }
                    if (sep != ',') {
                        throw new PeerError("expected ',' or '}' at column " + i);
                    }
                }
            }
            ws();
            if (i != s.length()) {
                throw new PeerError("trailing characters at column " + (i + 1));
            }
            return out;
        }

        private void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                    break;
                }
                i++;
            }
        }

        private char peek() throws PeerError {
            if (i >= s.length()) {
                throw new PeerError("unexpected end of line");
            }
            return s.charAt(i);
        }

        private char next() throws PeerError {
            char c = peek();
            i++;
            return c;
        }

        private void expect(char c) throws PeerError {
            if (next() != c) {
                throw new PeerError("expected '" + c + "' at column " + i);
            }
        }

        private void scalar() throws PeerError {
            int start = i;
            while (i < s.length() && ",} \t\r\n".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            if (i == start) {
                throw new PeerError("expected a value at column " + (i + 1));
            }
        }

        private String string() throws PeerError {
            expect('"');
            int start = i;
            // Fast path: no escapes.
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '"') {
                    String v = s.substring(start, i);
                    i++;
                    return v;
                }
                if (c == '\\') {
                    break;
                }
                i++;
            }
            StringBuilder sb = new StringBuilder(s.substring(start, i));
            while (true) {
                char c = next();
                if (c == '"') {
                    return sb.toString();
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"': sb.append('"'); break;
                    case '\\': sb.append('\\'); break;
                    case '/': sb.append('/'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'n': sb.append('\n'); break;
                    case 'r': sb.append('\r'); break;
                    case 't': sb.append('\t'); break;
                    case 'u': {
                        if (i + 4 > s.length()) {
                            throw new PeerError("bad \\u escape at column " + i);
                        }
                        try {
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw new PeerError("bad \\u escape at column " + i);
                        }
                        i += 4;
                        break;
                    }
                    default:
                        throw new PeerError("bad escape '\\" + e + "' at column " + i);
                }
            }
        }
    }
}
