//! URLs that a client gives and other people's clients follow (avatars, notification
//! links): only `https` to a public host, or the API's own avatar path. Anything
//! else (`javascript:`, `data:`, `file:`, plain `http`, a loopback, private or
//! link-local address, credentials in the URL) would turn a profile into a trap.

use std::net::IpAddr;

use url::{Host, Url};

use crate::{ApiError, ApiResult, AppState};

/// Where a link may point.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// An absolute `https` URL (or the API's own avatar path).
    Absolute,
    /// That, or a path of the frontend (`/courses/…`).
    OrPath,
}

/// `raw`, trimmed, if it is a URL others may safely be sent to; else 400 naming `field`.
pub fn public_url(state: &AppState, field: &str, raw: &str, links: Links) -> ApiResult<String> {
    let raw = raw.trim();
    let own = format!(
        "{}/api/avatars/",
        state.config.api_base_url.trim_end_matches('/')
    );
    let plain = |p: &str| !p.contains("..") && !p.contains('%') && !p.contains('\\');
    if raw.starts_with(&own) && plain(&raw[own.len()..]) {
        return Ok(raw.to_string());
    }
    let path_ok = links == Links::OrPath
        && raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\');
    if path_ok {
        return Ok(raw.to_string());
    }
    let refuse = || ApiError::field(field, "must be an https URL to a public host");
    let url = Url::parse(raw).map_err(|_| refuse())?;
    if url.scheme() != "https" || !url.username().is_empty() || url.password().is_some() {
        return Err(refuse());
    }
    let public = match url.host() {
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d.contains('.') && d != "localhost" && !d.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        None => false,
    };
    if !public {
        return Err(refuse());
    }
    Ok(url.to_string())
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                // 100.64.0.0/10, carrier-grade NAT
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64))
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (seg & 0xfe00) == 0xfc00 // unique local
                || (seg & 0xffc0) == 0xfe80 // link-local
                || v6.to_ipv4_mapped().is_some_and(|v4| !is_public(IpAddr::V4(v4))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_hosts_count() {
        for ip in [
            "169.254.169.254",
            "10.0.0.1",
            "127.0.0.1",
            "100.64.1.1",
            "192.168.1.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1"] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        assert!(is_public("93.184.216.34".parse().unwrap()));
        assert!(is_public("2606:4700::1111".parse().unwrap()));
    }
}
