//! Just enough DER to read a certificate's subject, so a fake can record which client
//! certificate it was shown without pulling in a full X.509 parser.

/// One DER element: tag and contents; `rest` is what follows it.
struct Tlv<'a> {
    tag: u8,
    value: &'a [u8],
    rest: &'a [u8],
}

fn read(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, input) = input.split_first()?;
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || input.len() < count {
            return None;
        }
        let (bytes, after) = input.split_at(count);
        input = after;
        bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b))
    };
    if input.len() < len {
        return None;
    }
    let (value, rest) = input.split_at(len);
    Some(Tlv { tag, value, rest })
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;

/// The subject of a DER certificate as `CN=…, O=…` (RDNs in certificate order).
pub(crate) fn subject(cert_der: &[u8]) -> Option<String> {
    let cert = read(cert_der).filter(|t| t.tag == SEQUENCE)?;
    let tbs = read(cert.value).filter(|t| t.tag == SEQUENCE)?;
    let mut field = read(tbs.value)?;
    if field.tag == 0xa0 {
        field = read(field.rest)?; // explicit version
    }
    // serial, signature algorithm, issuer, validity, then subject
    for _ in 0..4 {
        field = read(field.rest)?;
    }
    if field.tag != SEQUENCE {
        return None;
    }
    let mut parts = Vec::new();
    let mut rdns = field.value;
    while !rdns.is_empty() {
        let rdn = read(rdns).filter(|t| t.tag == SET)?;
        rdns = rdn.rest;
        let mut attrs = rdn.value;
        while !attrs.is_empty() {
            let attr = read(attrs).filter(|t| t.tag == SEQUENCE)?;
            attrs = attr.rest;
            let oid = read(attr.value).filter(|t| t.tag == OID)?;
            let value = read(oid.rest)?;
            let text = String::from_utf8_lossy(value.value);
            parts.push(format!("{}={text}", oid_name(oid.value)));
        }
    }
    Some(parts.join(", "))
}

fn oid_name(oid: &[u8]) -> String {
    match oid {
        [0x55, 0x04, 0x03] => "CN".into(),
        [0x55, 0x04, 0x06] => "C".into(),
        [0x55, 0x04, 0x07] => "L".into(),
        [0x55, 0x04, 0x08] => "ST".into(),
        [0x55, 0x04, 0x0a] => "O".into(),
        [0x55, 0x04, 0x0b] => "OU".into(),
        _ => dotted(oid),
    }
}

fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut n: u64 = 0;
    for b in oid {
        n = (n << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (n / 40).min(2);
                arcs.push(first);
                arcs.push(n - first * 40);
            } else {
                arcs.push(n);
            }
            n = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_subject_of_a_generated_certificate() {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "a client");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Org");
        params
            .distinguished_name
            .push(rcgen::DnType::CustomDnType(vec![2, 5, 4, 5]), "42");
        let cert = params.self_signed(&key).expect("cert");
        assert_eq!(
            subject(cert.der()).as_deref(),
            Some("CN=a client, O=Org, 2.5.4.5=42")
        );
        assert_eq!(subject(b"\x30\x03\x01"), None);
    }
}
