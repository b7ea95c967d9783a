//! The catalogue of finding codes. A code, once shipped, is never renamed: users grade by it
//! and scripts match on it. Every code has a section in `docs/rules.md`; a test checks that.

use super::Severity;
use serde::{Serialize, Serializer};

/// The group a code belongs to, as listed in `docs/rules.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// The tool could not check the input at all; the run exits 2. Never re-graded.
    Operational,
    /// Bytes, encodings and JSON syntax.
    Syntax,
    /// What the document is and whether its fields are the expected ones.
    Structure,
    /// Authorization codes, customer numbers, key IDs, dates, countries and languages.
    Identifiers,
    /// Redeemed, remaining and requested counts.
    Quantities,
    /// License-key states and what requests ask of them.
    States,
    /// What a response says about its own success.
    Responses,
    /// License-activation key files: empty, impostors, duplicates.
    KeyFiles,
    /// ZIP archives and bundles: unsafe entries, limits, verification.
    Archives,
    /// How a code and its keys change between two snapshots, or differ across files.
    History,
}

/// What is known about one code.
#[derive(Debug)]
pub struct RuleInfo {
    /// The code.
    pub code: Code,
    /// Severity before any re-grading.
    pub severity: Severity,
    /// Its group.
    pub family: Family,
    /// A quirk that the lenient reader accepts; `--strict` makes it an error.
    pub lenient: bool,
    /// One line on what it means.
    pub summary: &'static str,
}

macro_rules! codes {
    ($($variant:ident = $name:literal, $family:ident, $severity:ident, $lenient:literal,
        $summary:literal;)*) => {
        /// A stable finding code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $summary] $variant,)*
        }

        /// Every code, in the order of `docs/rules.md`.
        pub static RULES: &[RuleInfo] = &[
            $(RuleInfo {
                code: Code::$variant,
                severity: Severity::$severity,
                family: Family::$family,
                lenient: $lenient,
                summary: $summary,
            },)*
        ];

        impl Code {
            /// The kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }
        }
    };
}

codes! {
    UnreadableFile = "unreadable-file", Operational, Error, false,
        "The file could not be read: missing, a broken link, or no permission.";
    FileTooLarge = "file-too-large", Operational, Error, false,
        "The file is larger than the size limit for its kind and was not read.";
    EmptyFile = "empty-file", Syntax, Error, false,
        "The file has no content.";
    InvalidUtf8 = "invalid-utf8", Syntax, Error, false,
        "The file is neither valid UTF-8 nor UTF-16 with a byte order mark.";
    SyntaxError = "syntax-error", Syntax, Error, false,
        "The text is not JSON, or is cut short.";
    NestingTooDeep = "nesting-too-deep", Syntax, Error, false,
        "Objects and arrays are nested deeper than any authCodes document needs.";
    Utf8Bom = "utf8-bom", Syntax, Warning, true,
        "The file starts with a UTF-8 byte order mark, which JSON does not allow.";
    Utf16Encoding = "utf16-encoding", Syntax, Warning, true,
        "The file is UTF-16, as Windows PowerShell 5.1 writes; JSON files should be UTF-8.";
    TrailingComma = "trailing-comma", Syntax, Warning, true,
        "A comma after the last member of an object or array.";
    DuplicateKey = "duplicate-key", Syntax, Error, false,
        "The same field name twice in one object; readers disagree on which value wins.";
    FieldNameWhitespace = "field-name-whitespace", Structure, Warning, true,
        "A field name with white space before or after it, such as \"keysRemaining \".";
    NumberAsString = "number-as-string", Structure, Warning, true,
        "An integer written as a string, such as \"10\".";
    EmptyNumber = "empty-number", Structure, Warning, true,
        "null or \"\" where a number belongs.";
    UnknownDocument = "unknown-document", Structure, Error, false,
        "The JSON is not one of the authCodes documents fodpack knows.";
    UnknownField = "unknown-field", Structure, Warning, false,
        "A field that the document kind does not have; often a typo.";
    MissingField = "missing-field", Structure, Error, false,
        "A field that the document kind needs is absent.";
    WrongType = "wrong-type", Structure, Error, false,
        "A value of the wrong JSON type, such as a number where an array belongs.";
    AuthCodeInvalid = "auth-code-invalid", Identifiers, Error, false,
        "An authorization code that is empty or has characters other than letters and digits.";
    AuthCodeLength = "auth-code-length", Identifiers, Warning, false,
        "An authorization code whose length is not the documented 22 characters.";
    CustomerNumberShape = "customer-number-shape", Identifiers, Warning, false,
        "A Lenovo customer number that is not ten digits.";
    KeyIdDuplicate = "key-id-duplicate", Identifiers, Error, false,
        "The same license-activation key ID listed twice in one document.";
    KeyCustomerMismatch = "key-customer-mismatch", Identifiers, Warning, false,
        "A key's customer number differs from its authorization code's.";
    StartDateInvalid = "start-date-invalid", Identifiers, Error, false,
        "A start date that is not an ISO-8601 calendar date (YYYY-MM-DD).";
    StartDateFuture = "start-date-future", Identifiers, Warning, false,
        "A start date later than today.";
    CountryCode = "country-code", Identifiers, Warning, false,
        "A customer country that is not a known country code.";
    LanguageCode = "language-code", Identifiers, Warning, false,
        "A preferred language that is not a known language code.";
    CountInvalid = "count-invalid", Quantities, Error, false,
        "A count that is not a whole number in range: 10.5, 1e3, \"ten\", or too large.";
    CountNegative = "count-negative", Quantities, Error, false,
        "A count below zero.";
    RedeemQtyNotPositive = "redeem-qty-not-positive", Quantities, Error, false,
        "A redeem quantity of zero or less.";
    RedeemQtyExceedsRemaining = "redeem-qty-exceeds-remaining", Quantities, Error, false,
        "A redeem quantity larger than the licenses that remain.";
    RedeemQtySeveralCodes = "redeem-qty-several-codes", Quantities, Warning, false,
        "A redeem quantity in a request for several codes, where the server ignores it.";
    NothingToRedeem = "nothing-to-redeem", Quantities, Error, false,
        "A redeem request for a code with no licenses remaining.";
    KeyQuantitiesMismatch = "key-quantities-mismatch", Quantities, Warning, false,
        "The keys' quantities do not add up to the code's redeemed count.";
    UnknownState = "unknown-state", States, Error, false,
        "A license-key state other than not installed, downloaded or installed.";
    RedeemKeyState = "redeem-key-state", States, Error, false,
        "A redeem request whose keys are not in state \"not installed\".";
    PatchKeyState = "patch-key-state", States, Error, false,
        "An install or download request that asks for a state other than installed or downloaded.";
    RedeemMissingCustomer = "redeem-missing-customer", Structure, Error, false,
        "A single-code redeem request without the Lenovo customer number.";
    PostCodeAndCustomer = "post-code-and-customer", Structure, Error, false,
        "A POST /authCodes body with both an authorization code and a customer number.";
    RetrieveWithoutTarget = "retrieve-without-target", Structure, Error, false,
        "A request to retrieve keys that names neither a code nor a customer number.";
    RedemptionError = "redemption-error", Responses, Error, false,
        "A code whose errorMsg says its redemption failed.";
    ControlCharacter = "control-character", Syntax, Warning, true,
        "A raw control character (a line break, tab or NUL) inside a JSON string.";
    AuthCodeDuplicate = "auth-code-duplicate", Identifiers, Error, false,
        "The same authorization code listed twice in one document.";
    KeyEmpty = "key-empty", KeyFiles, Error, false,
        "A key file with no content.";
    KeyPrivateKey = "key-private-key", KeyFiles, Error, false,
        "A PEM, OpenSSH, PuTTY or PKCS#8 private key under a .key name; never packed.";
    KeyNotAKey = "key-not-a-key", KeyFiles, Error, false,
        "A .key file that is a certificate, HTML page, JSON document or plain text.";
    KeyDuplicateContent = "key-duplicate-content", KeyFiles, Warning, false,
        "The same key bytes under two file names.";
    KeyNameCase = "key-name-case", KeyFiles, Warning, false,
        "Two key files whose names differ only in upper and lower case.";
    KeyNameUnconventional = "key-name-unconventional", KeyFiles, Note, false,
        "A key file name that does not follow <prefix>_fod_<type>_<machine>..._anyos_noarch.key.";
    AppleDouble = "apple-double", KeyFiles, Note, false,
        "A macOS AppleDouble file (._name or under __MACOSX/), reported and skipped.";
    ArchiveUnreadable = "archive-unreadable", Archives, Error, false,
        "Not a ZIP fodpack can read: truncated, damaged, ZIP64, or with bytes around it.";
    ArchiveLimit = "archive-limit", Archives, Error, false,
        "An entry count, entry size, total size or compression ratio above its limit.";
    EntryUnsafePath = "entry-unsafe-path", Archives, Error, false,
        "An entry name with .., an absolute path, a drive letter or :, or control characters.";
    EntryBackslash = "entry-backslash", Archives, Warning, false,
        "An entry name with \\ separators, read as folders.";
    EntryLink = "entry-link", Archives, Error, false,
        "A symbolic link, hard link or other special file inside an archive.";
    EntryDuplicate = "entry-duplicate", Archives, Error, false,
        "The same entry name twice in one archive.";
    EntryNameCollision = "entry-name-collision", Archives, Error, false,
        "Entry names that become the same file after case folding or Unicode normalisation.";
    EntryReservedName = "entry-reserved-name", Archives, Error, false,
        "An entry name that Windows reserves or cannot hold (CON, NUL, a trailing dot, <>|?*).";
    EntryHeaderMismatch = "entry-header-mismatch", Archives, Error, false,
        "The local header of an entry disagrees with its central-directory record.";
    EntryOverlap = "entry-overlap", Archives, Error, false,
        "Two entries whose data share bytes of the archive.";
    EntryEncrypted = "entry-encrypted", Archives, Error, false,
        "An encrypted entry.";
    EntryUnsupportedMethod = "entry-unsupported-method", Archives, Error, false,
        "An entry compressed with a method other than stored or deflate.";
    EntryNestedArchive = "entry-nested-archive", Archives, Error, false,
        "An archive inside the archive; fodpack never opens nested archives.";
    EntryDataMismatch = "entry-data-mismatch", Archives, Error, false,
        "An entry whose data does not match its declared size or CRC-32.";
    ArchiveNoManifest = "archive-no-manifest", Archives, Warning, false,
        "A ZIP without a fodpack manifest: nothing proves its contents are what was sent.";
    BundleManifestInvalid = "bundle-manifest-invalid", Archives, Error, false,
        "A bundle whose manifest.json or SHA256SUMS cannot be read as format version 1.";
    BundleMissingEntry = "bundle-missing-entry", Archives, Error, false,
        "A file listed in the manifest or SHA256SUMS that the bundle does not hold.";
    BundleExtraEntry = "bundle-extra-entry", Archives, Error, false,
        "An entry in the bundle that the manifest or SHA256SUMS does not list.";
    BundleHashMismatch = "bundle-hash-mismatch", Archives, Error, false,
        "An entry whose SHA-256 or size differs from the manifest or SHA256SUMS.";
    BundleNameConflict = "bundle-name-conflict", Archives, Error, false,
        "Two inputs that would have the same name in a bundle but differ in content.";
    KeyStateReverted = "key-state-reverted", History, Error, false,
        "A key that went back to \"not installed\", which no documented call does.";
    KeyStateSuspicious = "key-state-suspicious", History, Warning, false,
        "A key that went from installed to downloaded.";
    RedeemedDecreased = "redeemed-decreased", History, Error, false,
        "A code's keysRedeemed went down; a redemption cannot be undone.";
    TotalMismatch = "total-mismatch", History, Warning, false,
        "Redeemed plus remaining differs between two snapshots of one code.";
    KeyVanished = "key-vanished", History, Warning, false,
        "A key listed in the older export is missing from the newer one.";
    KeyUnderTwoCodes = "key-under-two-codes", History, Error, false,
        "One license-key ID listed under two different authorization codes.";
    IdempotentMismatch = "idempotent-mismatch", History, Error, false,
        "An attribute the server never changes differs between two snapshots of one code.";
    ArchiveHiddenData = "archive-hidden-data", Archives, Error, false,
        "Bytes in an archive that belong to no entry: before, between or after the entries.";
    ArchiveEntrySkipped = "archive-entry-skipped", Archives, Note, false,
        "An entry of an input ZIP that is neither a key nor a JSON document, left out of the bundle.";
}

impl Code {
    /// What is known about this code.
    pub fn info(self) -> &'static RuleInfo {
        // The table is built in declaration order, so the discriminant is the index.
        &RULES[self as usize]
    }

    /// Whether `--deny`, `--warn` and `--allow` may change this code. Codes that mean a file
    /// could not be read, or could not be read as JSON, are fixed: allowing them would turn
    /// "not checked" into "passed". Duplicate keys are fixed too: they hide a conflicting value.
    pub fn is_regradable(self) -> bool {
        !matches!(self.info().family, Family::Operational)
            && !matches!(
                self,
                Code::EmptyFile
                    | Code::InvalidUtf8
                    | Code::SyntaxError
                    | Code::NestingTooDeep
                    | Code::UnknownDocument
                    | Code::DuplicateKey
            )
    }

    /// Looks a code up by its kebab-case name.
    pub fn from_name(name: &str) -> Option<Code> {
        RULES.iter().map(|r| r.code).find(|c| c.as_str() == name)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_matches_discriminants_and_names_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for (i, rule) in RULES.iter().enumerate() {
            assert_eq!(rule.code as usize, i, "{} is out of order", rule.code);
            let name = rule.code.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name} is not kebab-case"
            );
            assert_eq!(Code::from_name(name), Some(rule.code));
        }
    }
}
