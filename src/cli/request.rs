//! `fodpack request ...`: request bodies for a connected LXCA that are right the first time.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use fodpack::history::request::{self, Method};
use fodpack::model::KeyState;
use fodpack::rules::Severity;
use fodpack::validate::{self, Options};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct RequestArgs {
    #[command(subcommand)]
    pub what: What,

    /// Print a curl command that sends the body (placeholder host, no credentials).
    #[arg(long, global = true)]
    pub curl: bool,
}

#[derive(Subcommand, Debug)]
pub enum What {
    /// Redeem licenses (PUT): one code with --qty and --customer, or several codes (--code
    /// repeated) to redeem everything that remains on each.
    Redeem {
        /// Authorization code; repeat for several codes.
        #[arg(long = "code", value_name = "AUTHCODE", required = true)]
        codes: Vec<String>,
        /// Licenses to redeem from one code.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        qty: Option<u32>,
        /// Lenovo customer number (required with one code).
        #[arg(long, value_name = "NUMBER")]
        customer: Option<String>,
    },
    /// Retrieve the keys already redeemed (PUT), by code or by customer number.
    Retrieve {
        /// Authorization code.
        #[arg(long, value_name = "AUTHCODE", required_unless_present = "customer")]
        code: Option<String>,
        /// Lenovo customer number: the keys of all its codes.
        #[arg(long, value_name = "NUMBER", conflicts_with = "code")]
        customer: Option<String>,
    },
    /// Set customer information (PUT), from flags, a JSON file, or both (flags win).
    Customer(Box<CustomerArgs>),
    /// Install keys (PATCH): set them to "installed".
    Install {
        /// Authorization code the keys belong to.
        #[arg(long, value_name = "AUTHCODE")]
        code: String,
        /// License-key ID; repeat for several keys.
        #[arg(long = "key", value_name = "ID", required = true)]
        keys: Vec<String>,
    },
    /// Download keys (PATCH): set them to "downloaded".
    Download {
        /// Authorization code the keys belong to.
        #[arg(long, value_name = "AUTHCODE")]
        code: String,
        /// License-key ID; repeat for several keys.
        #[arg(long = "key", value_name = "ID", required = true)]
        keys: Vec<String>,
    },
}

#[derive(Args, Debug)]
pub struct CustomerArgs {
    /// A JSON file of customer fields: a customerInfo object, or a document holding one.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    #[arg(long, value_name = "TEXT")]
    /// Company name in English.
    pub company_name_in_english: Option<String>,
    /// Company name in the local language.
    #[arg(long, value_name = "TEXT")]
    pub company_name_in_local_language: Option<String>,
    /// Contact phone number.
    #[arg(long, value_name = "TEXT")]
    pub contact_phone_number: Option<String>,
    /// Contact email address.
    #[arg(long, value_name = "TEXT")]
    pub contact_email_address: Option<String>,
    /// Street address.
    #[arg(long, value_name = "TEXT")]
    pub customer_address: Option<String>,
    /// City.
    #[arg(long, value_name = "TEXT")]
    pub customer_city: Option<String>,
    /// State, region or province.
    #[arg(long, value_name = "TEXT")]
    pub customer_region_state_or_province: Option<String>,
    /// Postal code.
    #[arg(long, value_name = "TEXT")]
    pub customer_postal_code: Option<String>,
    /// Country code (see GET /licenseCountries).
    #[arg(long, value_name = "CODE")]
    pub country: Option<String>,
    /// Given name.
    #[arg(long, value_name = "TEXT")]
    pub first_name: Option<String>,
    /// Family name.
    #[arg(long, value_name = "TEXT")]
    pub last_name: Option<String>,
    /// Preferred language code (see GET /licenseCountries).
    #[arg(long, value_name = "CODE")]
    pub preferred_language: Option<String>,
}

impl CustomerArgs {
    fn fields(&self) -> anyhow::Result<Vec<(String, String)>> {
        let mut fields = Vec::new();
        if let Some(path) = &self.from {
            let bytes = validate::read_limited(path, validate::DEFAULT_MAX_JSON_BYTES)
                .map_err(|e| anyhow::anyhow!(validate::describe_io(&e)))
                .and_then(|b| b.ok_or_else(|| anyhow::anyhow!("too large for customer fields")))
                .with_context(|| format!("--from {}", path.display()))?;
            fields = request::customer_fields_from_bytes(&bytes)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("--from {}", path.display()))?;
        }
        let flags = [
            ("companyNameInEnglish", &self.company_name_in_english),
            ("companyNameInLocalLanguage", &self.company_name_in_local_language),
            ("contactPhoneNumber", &self.contact_phone_number),
            ("contactEmailAddress", &self.contact_email_address),
            ("customerAddress", &self.customer_address),
            ("customerCity", &self.customer_city),
            ("customerRegionStateOrProvince", &self.customer_region_state_or_province),
            ("customerPostalCode", &self.customer_postal_code),
            ("country", &self.country),
            ("firstName", &self.first_name),
            ("lastName", &self.last_name),
            ("preferredLanguage", &self.preferred_language),
        ];
        for (name, value) in flags {
            if let Some(v) = value {
                fields.push((name.to_string(), v.clone()));
            }
        }
        // An empty value means "unchanged" to the server, so it is left out.
        fields.retain(|(_, v)| !v.is_empty());
        if fields.is_empty() {
            anyhow::bail!(
                "no customer information given: add flags such as --first-name, or --from FILE"
            );
        }
        Ok(fields)
    }
}

pub fn run(args: RequestArgs) -> anyhow::Result<u8> {
    let (method, body) = match &args.what {
        What::Redeem { codes, qty, customer } => redeem(codes, *qty, customer.as_deref())?,
        What::Retrieve { code: Some(code), .. } => (Method::Put, request::retrieve_code(code)),
        What::Retrieve { customer: Some(number), .. } => {
            (Method::Put, request::retrieve_customer(number))
        }
        What::Retrieve { .. } => anyhow::bail!("give --code or --customer"),
        What::Customer(c) => (Method::Put, request::customer(&c.fields()?)),
        What::Install { code, keys } => {
            (Method::Patch, request::patch(code, keys, KeyState::Installed))
        }
        What::Download { code, keys } => {
            (Method::Patch, request::patch(code, keys, KeyState::Downloaded))
        }
    };
    let text = request::to_text(&body);
    check(&text)?;
    let stdout = anstream::stdout();
    let mut out = stdout.lock();
    if args.curl {
        out.write_all(request::curl(method, &text).as_bytes())?;
    } else {
        out.write_all(text.as_bytes())?;
    }
    out.flush()?;
    Ok(0)
}

fn redeem(
    codes: &[String],
    qty: Option<u32>,
    customer: Option<&str>,
) -> anyhow::Result<(Method, serde_json::Value)> {
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = codes.iter().find(|c| !seen.insert(c.as_str())) {
        anyhow::bail!("--code {dup} is given twice; give each code once");
    }
    match (codes, qty) {
        ([code], Some(qty)) => {
            let customer = customer.filter(|c| !c.is_empty()).ok_or_else(|| {
                anyhow::anyhow!(
                    "redeeming one code needs its Lenovo customer number: add --customer NUMBER"
                )
            })?;
            Ok((Method::Put, request::redeem_one(code, qty, customer)))
        }
        ([_], None) => anyhow::bail!(
            "one code is redeemed by quantity: add --qty N (its keysRemaining redeems all); to \
             redeem everything on several codes, repeat --code"
        ),
        (_, Some(_)) => anyhow::bail!(
            "--qty applies to one code; with several codes the server redeems everything that \
             remains on each: drop --qty, or send one request per code"
        ),
        (_, None) => Ok((Method::Put, request::redeem_all(codes, customer))),
    }
}

/// Runs the body through `validate`: errors refuse it, warnings go to stderr.
fn check(text: &str) -> anyhow::Result<()> {
    let report =
        validate::check_bytes("request body".to_string(), text.as_bytes(), &Options::new());
    let mut errors = Vec::new();
    let mut err = anstream::stderr();
    for f in &report.findings {
        if f.severity == Severity::Error {
            errors.push(format!("{} [{}]", f.message, f.code));
        } else {
            writeln!(err, "fodpack: warning: {} [{}]", f.message, f.code)?;
        }
    }
    if !errors.is_empty() {
        anyhow::bail!("the body would be refused: {}", errors.join("; "));
    }
    Ok(())
}
