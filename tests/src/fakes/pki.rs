//! A throwaway PKI for TLS and mutual-TLS tests, written as PEM files.

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};

use super::TlsFiles;

/// PEM files for a test CA, a server certificate for `127.0.0.1`/`localhost`/`::1`, a
/// client certificate from the same CA, and a second CA with a client it signed (which
/// the fakes do not trust).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestPki {
    pub dir: PathBuf,
    pub ca_pem: PathBuf,
    pub server_cert_pem: PathBuf,
    pub server_key_pem: PathBuf,
    /// Subject `CN=keymint-test-client, O=Keymint tests`.
    pub client_cert_pem: PathBuf,
    pub client_key_pem: PathBuf,
    pub other_ca_pem: PathBuf,
    /// Subject `CN=keymint-untrusted-client, O=Keymint tests`, signed by the other CA.
    pub untrusted_client_cert_pem: PathBuf,
    pub untrusted_client_key_pem: PathBuf,
    /// A server certificate from the trusted CA for `other.example` only.
    pub wrong_name_server_cert_pem: PathBuf,
    /// A server certificate from the trusted CA for `127.0.0.1` that expired in 2021.
    pub expired_server_cert_pem: PathBuf,
    /// The key of both bad server certificates.
    pub bad_server_key_pem: PathBuf,
}

impl TestPki {
    /// The file names, in `dir`, without generating anything.
    pub fn paths(dir: &Path) -> TestPki {
        let file = |name: &str| dir.join(name);
        TestPki {
            dir: dir.to_path_buf(),
            ca_pem: file("ca.pem"),
            server_cert_pem: file("server.pem"),
            server_key_pem: file("server-key.pem"),
            client_cert_pem: file("client.pem"),
            client_key_pem: file("client-key.pem"),
            other_ca_pem: file("other-ca.pem"),
            untrusted_client_cert_pem: file("untrusted-client.pem"),
            untrusted_client_key_pem: file("untrusted-client-key.pem"),
            wrong_name_server_cert_pem: file("wrong-name-server.pem"),
            expired_server_cert_pem: file("expired-server.pem"),
            bad_server_key_pem: file("bad-server-key.pem"),
        }
    }

    /// Generate fresh keys and certificates into `dir` (created if missing, files
    /// overwritten). Panics with the cause if generation or writing fails.
    pub fn generate(dir: &Path) -> TestPki {
        let pki = TestPki::paths(dir);
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let ca = new_ca("Keymint Test CA");
        let other_ca = new_ca("Keymint Other CA");
        pki.write(&pki.ca_pem, &ca.pem());
        pki.write(&pki.other_ca_pem, &other_ca.pem());

        let server_names = ["127.0.0.1", "localhost", "::1"].map(String::from).to_vec();
        let mut server = params(server_names, "keymint fake server");
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        pki.leaf(server, &ca, &pki.server_cert_pem, &pki.server_key_pem);

        let mut client = params(Vec::new(), "keymint-test-client");
        client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        pki.leaf(
            client.clone(),
            &ca,
            &pki.client_cert_pem,
            &pki.client_key_pem,
        );

        let bad_key = KeyPair::generate().expect("generate a leaf key");
        pki.write(&pki.bad_server_key_pem, &bad_key.serialize_pem());
        let mut wrong = params(vec!["other.example".to_owned()], "other.example");
        wrong.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let wrong = wrong.signed_by(&bad_key, &*ca).expect("sign");
        pki.write(&pki.wrong_name_server_cert_pem, &wrong.pem());
        let mut expired = params(
            vec!["127.0.0.1".to_owned(), "localhost".to_owned()],
            "expired",
        );
        expired.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        expired.not_before = rcgen::date_time_ymd(2020, 1, 1);
        expired.not_after = rcgen::date_time_ymd(2021, 1, 1);
        let expired = expired.signed_by(&bad_key, &*ca).expect("sign");
        pki.write(&pki.expired_server_cert_pem, &expired.pem());

        let mut untrusted = client;
        untrusted.distinguished_name = name("keymint-untrusted-client");
        pki.leaf(
            untrusted,
            &other_ca,
            &pki.untrusted_client_cert_pem,
            &pki.untrusted_client_key_pem,
        );
        pki
    }

    /// Reuse the files in `dir` when they are all there (so a CA a person configured keeps
    /// working across runs of `keymint-fake`), else generate them.
    pub fn load_or_generate(dir: &Path) -> TestPki {
        let pki = TestPki::paths(dir);
        if pki.files().iter().all(|f| f.is_file()) {
            pki
        } else {
            TestPki::generate(dir)
        }
    }

    /// Every file, in field order.
    pub fn files(&self) -> [&Path; 11] {
        [
            &self.ca_pem,
            &self.server_cert_pem,
            &self.server_key_pem,
            &self.client_cert_pem,
            &self.client_key_pem,
            &self.other_ca_pem,
            &self.untrusted_client_cert_pem,
            &self.untrusted_client_key_pem,
            &self.wrong_name_server_cert_pem,
            &self.expired_server_cert_pem,
            &self.bad_server_key_pem,
        ]
    }

    /// HTTPS with a certificate for another host name (trusted CA).
    pub fn server_tls_wrong_name(&self) -> TlsFiles {
        TlsFiles {
            cert_pem: self.wrong_name_server_cert_pem.clone(),
            key_pem: self.bad_server_key_pem.clone(),
            client_ca_pem: None,
        }
    }

    /// HTTPS with an expired certificate (trusted CA, right name).
    pub fn server_tls_expired(&self) -> TlsFiles {
        TlsFiles {
            cert_pem: self.expired_server_cert_pem.clone(),
            key_pem: self.bad_server_key_pem.clone(),
            client_ca_pem: None,
        }
    }

    /// HTTPS with the server certificate, no client certificate asked for.
    pub fn server_tls(&self) -> TlsFiles {
        TlsFiles {
            cert_pem: self.server_cert_pem.clone(),
            key_pem: self.server_key_pem.clone(),
            client_ca_pem: None,
        }
    }

    /// HTTPS that requires a client certificate signed by this PKI's CA.
    pub fn server_mtls(&self) -> TlsFiles {
        TlsFiles {
            client_ca_pem: Some(self.ca_pem.clone()),
            ..self.server_tls()
        }
    }

    /// The trusted client's certificate followed by its key, one PEM buffer (the form
    /// `reqwest::Identity::from_pem` takes).
    pub fn client_identity_pem(&self) -> Vec<u8> {
        let mut out = read(&self.client_cert_pem);
        out.extend(read(&self.client_key_pem));
        out
    }

    fn leaf(
        &self,
        params: CertificateParams,
        issuer: &CertifiedIssuer<'_, KeyPair>,
        cert: &Path,
        key: &Path,
    ) {
        let key_pair = KeyPair::generate().expect("generate a leaf key");
        let signed = params
            .signed_by(&key_pair, &**issuer)
            .expect("sign a leaf certificate");
        self.write(cert, &signed.pem());
        self.write(key, &key_pair.serialize_pem());
    }

    fn write(&self, path: &Path, text: &str) {
        fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "Keymint tests");
    dn
}

fn params(subject_alt_names: Vec<String>, common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(subject_alt_names).expect("valid subject names");
    params.distinguished_name = name(common_name);
    params.use_authority_key_identifier_extension = true;
    params
}

fn new_ca(common_name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut ca = params(Vec::new(), common_name);
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().expect("generate a CA key");
    CertifiedIssuer::self_signed(ca, key).expect("self-sign a CA")
}
