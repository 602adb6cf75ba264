//! Email domains a company claims for sign-in: a verified OAuth sign-in at a claimed
//! domain joins that company as a participant (a seat permitting). A domain belongs
//! to at most one company; public mail domains are nobody's.

use crate::{
    ApiError, ApiResult,
    db::{Cond, Tx, keys},
    model::{CompanyDomain, DomainClaim},
};

/// Mail services anyone can have an address at: claiming one would let a company
/// collect strangers.
const PUBLIC: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "tutanota.com",
    "zoho.com",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "qq.com",
    "163.com",
    "126.com",
    "fastmail.com",
    "hey.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "hotmail.de",
    "hotmail.it",
    "hotmail.es",
    "outlook.de",
    "outlook.fr",
    "live.co.uk",
    "live.fr",
    "yahoo.co.uk",
    "yahoo.fr",
    "yahoo.de",
    "yahoo.co.jp",
    "yahoo.com.br",
    "protonmail.ch",
    "proton.ch",
    "t-online.de",
    "freenet.de",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "laposte.net",
    "libero.it",
    "virgilio.it",
    "btinternet.com",
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "rediffmail.com",
    "naver.com",
    "daum.net",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "interia.pl",
    "bluewin.ch",
    "ziggo.nl",
    "telenet.be",
    "skynet.be",
    "shaw.ca",
    "rogers.com",
    "bigpond.com",
    "optusnet.com.au",
    "uol.com.br",
    "bol.com.br",
    "sina.com",
    "foxmail.com",
    "yeah.net",
    "inbox.com",
    "mail.de",
    "posteo.de",
    "tuta.io",
    "duck.com",
    "rocketmail.com",
    "aim.com",
];

/// `raw` as a domain (lower case, no trailing dot), or why not.
pub fn parse(raw: &str) -> ApiResult<String> {
    let d = raw.trim().trim_end_matches('.').to_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let labels: Vec<&str> = d.split('.').collect();
    if d.len() > 253 || labels.len() < 2 || !labels.iter().all(|l| label_ok(l)) {
        return Err(ApiError::field("domain", "is not a domain name"));
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::field("domain", "is not a domain name"));
    }
    if PUBLIC.contains(&d.as_str()) {
        return Err(ApiError::field(
            "domain",
            "is a public mail service; only a company's own domain can be claimed",
        ));
    }
    Ok(d)
}

/// The domain of an email address (lower case).
pub fn of_email(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .map(|(_, d)| d.trim().trim_end_matches('.').to_lowercase())
        .filter(|d| !d.is_empty())
}

/// Writes a claim: the company's record and the global pointer (whose condition makes
/// the domain one company's).
pub fn claim(tx: Tx, claim: &CompanyDomain) -> Tx {
    let pointer = DomainClaim {
        domain: claim.domain.clone(),
        company_id: claim.company_id.clone(),
    };
    tx.put(claim, Cond::absent())
        .put(&pointer, DomainClaim::unique())
}

/// Removes the company's claim and its pointer; refused if it is not the company's.
pub fn release(tx: Tx, company_id: &str, domain: &str) -> Tx {
    tx.delete(&keys::company_domain(company_id, domain), Cond::present())
        .delete(
            &keys::domain_claim(domain),
            DomainClaim::COMPANY_ID.eq(company_id),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_names_and_not_public() {
        assert_eq!(parse(" Acme.Example. ").unwrap(), "acme.example");
        for bad in [
            "",
            "acme",
            "-acme.com",
            "acme..com",
            "a_b.com",
            "10.0.0.1",
            "gmail.com",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            of_email("Ada@Acme.Example").as_deref(),
            Some("acme.example")
        );
    }
}
