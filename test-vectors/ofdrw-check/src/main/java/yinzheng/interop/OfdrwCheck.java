package yinzheng.interop;

import org.ofdrw.core.signatures.SigType;
import org.ofdrw.core.signatures.Signatures;
import org.ofdrw.gm.ses.parse.SESVersion;
import org.ofdrw.gm.ses.parse.SESVersionHolder;
import org.ofdrw.gm.ses.parse.VersionParser;
import org.ofdrw.reader.BadOFDException;
import org.ofdrw.reader.OFDReader;
import org.ofdrw.sign.verify.OFDValidator;
import org.ofdrw.sign.verify.SignedDataValidateContainer;
import org.ofdrw.sign.verify.container.GBT35275ValidateContainer;
import org.ofdrw.sign.verify.container.SESV1ValidateContainer;
import org.ofdrw.sign.verify.container.SESV4ValidateContainer;
import org.ofdrw.sign.verify.exceptions.InvalidSignedValueException;
import org.ofdrw.sign.verify.exceptions.OFDVerifyException;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Runs ofdrw's own OFD signature validator ({@link OFDValidator}) over the OFD
 * files listed in a TSV index and compares its verdict with the expected one.
 *
 * <pre>java -jar ofdrw-check.jar INDEX.tsv</pre>
 *
 * INDEX.tsv: tab-separated, header line with (at least) the columns
 * {@code id}, {@code file}, {@code ofdrw}; {@code file} is relative to the
 * TSV's directory; {@code ofdrw} is {@code valid} or {@code invalid}. Lines
 * starting with {@code #} and blank lines are ignored.
 *
 * "valid" means {@link OFDValidator#exeValidate()} returned normally (it
 * throws on the first failing signature, and throws when the document has no
 * signatures at all). Exit status: 0 all rows agree, 1 a row disagrees or a
 * file is missing, 2 usage / index format error.
 */
public final class OfdrwCheck {

    private static final PrintStream OUT =
            new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    private static final PrintStream ERR =
            new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    private OfdrwCheck() {
    }

    /** One index row. */
    private record Row(int line, String id, String file, boolean expectValid) {
    }

    /** What ofdrw said about one file. */
    private record Verdict(boolean valid, String detail, boolean unexpected) {
    }

    /** Thrown for malformed input (exit status 2). */
    private static final class UsageException extends Exception {
        UsageException(String msg) {
            super(msg);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length != 1 || args[0].startsWith("-")) {
            ERR.println("usage: java -jar ofdrw-check.jar INDEX.tsv");
            ERR.println("  INDEX.tsv: header 'id<TAB>file<TAB>ofdrw', then one row per OFD;");
            ERR.println("  file is relative to the TSV's directory, ofdrw is 'valid' or 'invalid'.");
            return 2;
        }
        Path index = Path.of(args[0]);
        List<Row> rows;
        try {
            rows = readIndex(index);
        } catch (UsageException e) {
            ERR.println("ofdrw-check: " + index + ": " + e.getMessage());
            return 2;
        }
        Path base = index.toAbsolutePath().getParent();

        int disagree = 0;
        int missing = 0;
        int unexpected = 0;
        List<String> disagreeIds = new ArrayList<>();
        List<String> missingIds = new ArrayList<>();
        for (Row row : rows) {
            String expected = row.expectValid() ? "valid" : "invalid";
            Path ofd = base.resolve(row.file()).normalize();
            if (!Files.isRegularFile(ofd)) {
                OUT.println(row.id() + ": MISSING FILE " + ofd + " (expected " + expected + ")");
                missing++;
                missingIds.add(row.id());
                continue;
            }
            Verdict v = check(ofd);
            String said = v.valid() ? "valid" : "invalid";
            boolean agrees = v.valid() == row.expectValid();
            StringBuilder line = new StringBuilder();
            line.append(row.id()).append(": ofdrw says ").append(said)
                    .append(" (expected ").append(expected).append(')');
            if (!agrees) {
                line.append(" -- DISAGREES");
            }
            if (v.detail() != null && !v.detail().isEmpty()) {
                line.append(v.unexpected() ? " -- UNEXPECTED INTERNAL ERROR: " : ": ").append(v.detail());
            }
            OUT.println(line);
            if (v.unexpected()) {
                unexpected++;
            }
            if (!agrees) {
                disagree++;
                disagreeIds.add(row.id());
            }
        }

        int n = rows.size();
        if (disagree == 0 && missing == 0) {
            OUT.println(n + " OFDs: ofdrw agrees on all");
        } else {
            StringBuilder s = new StringBuilder(n + " OFDs: ");
            if (disagree > 0) {
                s.append("ofdrw disagrees on ").append(disagree).append(" (")
                        .append(String.join(", ", disagreeIds)).append(')');
            }
            if (missing > 0) {
                s.append(disagree > 0 ? "; " : "").append(missing).append(" file(s) missing (")
                        .append(String.join(", ", missingIds)).append(')');
            }
            OUT.println(s);
        }
        if (unexpected > 0) {
            OUT.println("WARNING: " + unexpected + " OFD(s) were rejected by an unexpected internal error"
                    + " (not an ofdrw validation failure); check them by hand");
        }
        return (disagree == 0 && missing == 0) ? 0 : 1;
    }

    private static List<Row> readIndex(Path index) throws UsageException {
        List<String> lines;
        try {
            lines = Files.readAllLines(index, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot read: " + e);
        }
        int idCol = -1;
        int fileCol = -1;
        int expCol = -1;
        boolean haveHeader = false;
        List<Row> rows = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            if (raw.endsWith("\r")) {
                raw = raw.substring(0, raw.length() - 1);
            }
            if (raw.isBlank() || raw.startsWith("#")) {
                continue;
            }
            String[] cols = raw.split("\t", -1);
            int lineNo = i + 1;
            if (!haveHeader) {
                for (int c = 0; c < cols.length; c++) {
                    switch (cols[c].trim()) {
                        case "id" -> idCol = c;
                        case "file" -> fileCol = c;
                        case "ofdrw" -> expCol = c;
                        default -> {
                        }
                    }
                }
                if (idCol < 0 || fileCol < 0 || expCol < 0) {
                    throw new UsageException("line " + lineNo
                            + ": header must have the tab-separated columns id, file, ofdrw; got: " + raw);
                }
                haveHeader = true;
                continue;
            }
            int need = Math.max(idCol, Math.max(fileCol, expCol));
            if (cols.length <= need) {
                throw new UsageException("line " + lineNo + ": expected at least " + (need + 1)
                        + " tab-separated columns, got " + cols.length + ": " + raw);
            }
            String id = cols[idCol].trim();
            String file = cols[fileCol].trim();
            String exp = cols[expCol].trim().toLowerCase(Locale.ROOT);
            if (id.isEmpty() || file.isEmpty()) {
                throw new UsageException("line " + lineNo + ": empty id or file");
            }
            if (!ids.add(id)) {
                throw new UsageException("line " + lineNo + ": duplicate id " + id);
            }
            boolean expectValid;
            if (exp.equals("valid")) {
                expectValid = true;
            } else if (exp.equals("invalid")) {
                expectValid = false;
            } else {
                throw new UsageException("line " + lineNo + ": ofdrw column must be 'valid' or 'invalid', got '"
                        + cols[expCol] + "'");
            }
            rows.add(new Row(lineNo, id, file, expectValid));
        }
        if (!haveHeader) {
            throw new UsageException("no header line");
        }
        if (rows.isEmpty()) {
            throw new UsageException("no rows");
        }
        return rows;
    }

    /**
     * Picks, for each signature OFDValidator hands over, the ofdrw container
     * made for its kind: Type="Sign" -> GBT35275ValidateContainer (GB/T 35275
     * SignedData); Type="Seal" (or absent) -> SESV4ValidateContainer or
     * SESV1ValidateContainer, chosen by ofdrw's own VersionParser exactly as
     * OFDValidator's seal match check does. ofdrw 2.3.x has no dispatching
     * container of its own, and OFDValidator takes just one container.
     */
    private static final class DispatchingContainer implements SignedDataValidateContainer {
        final List<String> seen = new ArrayList<>();

        @Override
        public void validate(SigType type, String signAlgName, byte[] tbsContent, byte[] signedValue)
                throws InvalidSignedValueException, IOException, GeneralSecurityException {
            if (type == SigType.Sign) {
                seen.add("Sign/GBT35275");
                new GBT35275ValidateContainer().validate(type, signAlgName, tbsContent, signedValue);
                return;
            }
            SESVersionHolder v = VersionParser.parseSES_SignatureVersion(signedValue);
            if (v.getVersion() == SESVersion.v4) {
                seen.add("Seal/SESv4");
                new SESV4ValidateContainer().validate(type, signAlgName, tbsContent, signedValue);
            } else if (v.getVersion() == SESVersion.v1) {
                seen.add("Seal/SESv1");
                new SESV1ValidateContainer().validate(type, signAlgName, tbsContent, signedValue);
            } else {
                seen.add("Seal/?");
                throw new InvalidSignedValueException("unknown SES_Signature version: " + v.getVersion());
            }
        }
    }

    private static Verdict check(Path ofd) {
        DispatchingContainer container = new DispatchingContainer();
        String sigList = null;
        OFDReader reader = null;
        try {
            reader = new OFDReader(ofd);
            sigList = describeSignatures(reader);
            OFDValidator validator = new OFDValidator(reader);
            validator.setValidator(container);
            validator.exeValidate();
            return new Verdict(true, "[" + context(sigList, container) + "]", false);
        } catch (Throwable t) {
            boolean expectedKind = isValidationFailure(t);
            String detail = describe(t, !expectedKind) + " [" + context(sigList, container) + "]";
            return new Verdict(false, detail, !expectedKind);
        } finally {
            if (reader != null) {
                try {
                    reader.close(); // deletes ofdrw's temporary unzip directory
                } catch (IOException e) {
                    ERR.println("warning: " + ofd + ": could not remove ofdrw's work directory: " + e);
                }
            }
        }
    }

    /**
     * The kinds of exception ofdrw uses to say "this OFD / signature is not
     * valid": its verification exceptions, security exceptions (bad signature,
     * seal mismatch, unknown algorithm), BadOFDException (structure), and
     * IllegalArgumentException / IOException (unparsable ASN.1 or XML data,
     * missing attribute or package file). Anything else (NullPointerException,
     * ClassCastException, NoSuchElementException, Errors ...) is reported as
     * an unexpected internal error so that a human looks at it.
     */
    private static boolean isValidationFailure(Throwable t) {
        return t instanceof OFDVerifyException
                || t instanceof GeneralSecurityException
                || t instanceof BadOFDException
                || t instanceof IllegalArgumentException
                || t instanceof IOException;
    }

    private static String describe(Throwable t, boolean withStack) {
        StringBuilder sb = new StringBuilder();
        Throwable cur = t;
        Set<Throwable> visited = new HashSet<>();
        while (cur != null && visited.add(cur)) {
            if (cur != t) {
                sb.append(" / caused by ");
            }
            sb.append(cur.getClass().getName());
            if (cur.getMessage() != null) {
                sb.append(": ").append(oneLine(cur.getMessage()));
            }
            cur = cur.getCause();
        }
        if (withStack) {
            StackTraceElement[] st = t.getStackTrace();
            sb.append(" at ");
            for (int i = 0; i < Math.min(6, st.length); i++) {
                if (i > 0) {
                    sb.append(" < ");
                }
                sb.append(st[i]);
            }
        }
        return sb.toString();
    }

    private static String context(String sigList, DispatchingContainer c) {
        String s = sigList == null ? "signatures: ?" : sigList;
        return s + "; containers run: " + (c.seen.isEmpty() ? "none" : String.join(", ", c.seen));
    }

    /** Best-effort list "signatures: ID Type, ..." for the report; never fails the check. */
    private static String describeSignatures(OFDReader reader) {
        try {
            Signatures sigs = reader.getDefaultSignatures();
            if (sigs == null || sigs.getSignatures() == null) {
                return "signatures: none";
            }
            List<String> parts = new ArrayList<>();
            for (org.ofdrw.core.signatures.Signature s : sigs.getSignatures()) {
                String type = s.attributeValue("Type");
                parts.add(s.attributeValue("ID") + " " + (type == null ? "(no Type)" : type));
            }
            return "signatures: " + (parts.isEmpty() ? "none" : String.join(", ", parts));
        } catch (Throwable t) {
            return "signatures: ? (" + t.getClass().getSimpleName() + ")";
        }
    }

    private static String oneLine(String s) {
        return s.replace('\r', ' ').replace('\n', ' ').trim();
    }
}
