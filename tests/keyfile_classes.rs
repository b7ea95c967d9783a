//! What `.key` files are: private keys in every form fodpack knows, certificates and public
//! keys, and key-like binary that must stay a key; what `inspect` shows of a private key.
//!
//! The keys below were generated once for these tests with `openssl` and protect nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bundle_support;
use bundle_support::*;
use fodpack::keyfile::{Class, classify, facts, is_private_key};

// Test-only key material, hex-encoded DER.
const ED25519_PKCS8: &str = concat!(
    "302e020100300506032b657004220420f1a298aac3db42c8dda57223f60ec1c49c8bc4f80d36742606d37afd",
    "13430f0d",
);
const ENCRYPTED_PKCS8: &str = concat!(
    "30819b305706092a864886f70d01050d304a302906092a864886f70d01050c301c0408557a65131fb65c4802",
    "020800300c06082a864886f70d02090500301d060960864801650304012a04104e5413673827ddf14bdfa810",
    "ac33ba0d04408f9f79e89a8f241a2e979fca4908c8d907ebfd4bd20a966fc0310ed60d973d73dcd4f87e612e",
    "d41ff2db5e460c94bd3843e959ee980ca7f72e6f091715c0112f",
);
const SEC1_EC: &str = concat!(
    "30770201010420aab7091ddc1787ef93eb5bb2373f9ff2674893b6f6d5dc221d0b7e7342d0f3f2a00a06082a",
    "8648ce3d030107a14403420004d1744244e42a3f892f52d986ccc27e76be49cc1abef05fcb570e6dd37d71e8",
    "88cdbefdbf15e1bb78005d1f1f6459ad34f6e8191dbc5aef27b4111d2758e1d09d",
);
const RSA_PKCS1: &str = concat!(
    "3082013d020100024100def994250a450fa7da7626719911484208c12ab7d005053bd7019b17d1c7eba7a24e",
    "52a32754c902d34e113569c85efe4449f107e319c2a913233f3ec694979b0203010001024100851c51885b3d",
    "273f79779733b1c15375b86c38e84ad2f470e8c618a47ba3f1d5a015803ebf407838bb0e0d2795f0c16aa108",
    "f383e833616baff4faaa816062a1022100f126299dfb872e6979ec3927e2df7a175b64c8d074129b6d779202",
    "fd153003ed022100ecb4e42ede488443f364ab569bc47dcf4fc8e2ee33f5af6452fc1557279928a7022100a7",
    "f2872b83012bdec3ce3424464a94126e516bd659f097950ea07f3a59a63e250221008c74aa11c58472377fed",
    "745de800284723a8a83f804580d59f0846017955c071022100a8d557b60cc2070e792183bd9594904e227bb2",
    "9a7e2d3ca4f8d942b47dd905e6",
);
const PKCS12: &str = concat!(
    "3082041c020103308203d206092a864886f70d010701a08203c3048203bf308203bb3082027206092a864886",
    "f70d010706a08202633082025f0201003082025806092a864886f70d010701305706092a864886f70d01050d",
    "304a302906092a864886f70d01050c301c0408b33f3dc4f7d5c56702020800300c06082a864886f70d020905",
    "00301d060960864801650304012a0410585a9028fc924fac4f2f7a087fa18540808201f0fd6ada8853238ab9",
    "93fa4bc9a4b5b3129a9e613b494e21aa0ba50a9b41079e81d60a0218180de6e5018a7b3bb48087a7ac0616f5",
    "96d95fdc933c2d543e1df88491aed6e09c8315054dedea313e62a61d5a81531b4dde21a7430147c73a801283",
    "1e7dffde8540d9037e8125bfdc4bf6721d744abd52b8502040d46553076cb9008be5a1484f259e325818aa97",
    "a74d567b9306bcf9c19e523ad4f3b675c23471bcec4fff80a4de2d8f651edb7025d4767751d2c4583acbe5d2",
    "210775f5a3d0fb2951f72b1175c60accdc1597cbae70b9335ad26c074910d4ad9692055c2873389b25b19a9b",
    "a359c1145056da42089d5ab52b4fc27d263bc202e4f9a2954fa4d6ab3e44879988878cc540415e06d1a44e05",
    "79e4e064bb5571ef9429b10ce64a499015ec6c59c3430a6aceb585dbec76418ba33352c8e0b049cee94c2d66",
    "6b65f2d8b495dc8e1bfec2eab1d7b1bce4b9f3cda8997e8a96520aa6177458ae67676135edc608ede8e9bf26",
    "7af98eb5b248dd86799c2d0505ab8a5fe6ea58a7822a5613f4d4f88e02dfef3e76bc572cae662abb798cc3ff",
    "c988b20d2a6b0b9163f62cd26d66c1f794a2077e3c51d6a6b9cdcfcdf0bcd17d15347827e452d261175beb94",
    "3d48de17a78a63157eb5016781506935486bf72bc05d42877f24246b3986b23506582de786af2ff208e2ada0",
    "d1453cae3082014106092a864886f70d010701a08201320482012e3082012a30820126060b2a864886f70d01",
    "0c0a0102a081ef3081ec305706092a864886f70d01050d304a302906092a864886f70d01050c301c0408941a",
    "13d7ab0304f802020800300c06082a864886f70d02090500301d060960864801650304012a0410268f14963e",
    "09fc69781396eff1e8e68a048190f27233a99ea57561d190c9ad24bdbcabfeca34407d49c5551cf50140aafe",
    "8bfeca4bb2081f61d9e9c0e5d6216a5d0adc951dcf0e35d3e1eaee996872e4f995b4404d165dfc1ab8df00d3",
    "a4e3d22189e56409214515045f94075300b83ad7b9cb3ef5f48a6aabf4674aeec94230b8dbebdf83758cf9bb",
    "db8d991acfca5f7caebe1c2178d5dcbed75844184a7781a1fefc3125302306092a864886f70d010915311604",
    "14a4fedf3cb07e22fb45375add582dbb43dda310fb30413031300d0609608648016503040201050004206db7",
    "e099e9415e43164560555eb4b250e8e77551c31b08d152a0fcf2c7212cb004082d7c73d3729a82a002020800",
);
const CERTIFICATE: &str = concat!(
    "3082018d30820133a00302010202140fac6d1493d63ff5a439e97c42e7eccbc36aad6d300a06082a8648ce3d",
    "040302301c311a301806035504030c11666f647061636b2d746573742d6f6e6c79301e170d32363132303331",
    "37303832305a170d3236313230343137303832305a301c311a301806035504030c11666f647061636b2d7465",
    "73742d6f6e6c793059301306072a8648ce3d020106082a8648ce3d03010703420004d1744244e42a3f892f52",
    "d986ccc27e76be49cc1abef05fcb570e6dd37d71e888cdbefdbf15e1bb78005d1f1f6459ad34f6e8191dbc5a",
    "ef27b4111d2758e1d09da3533051301d0603551d0e04160414151736fd34f81f86959ac614fe68cffa5475e3",
    "47301f0603551d23041830168014151736fd34f81f86959ac614fe68cffa5475e347300f0603551d130101ff",
    "040530030101ff300a06082a8648ce3d0403020348003045022100f8490f63d2a2e7a8257fc455443c7f2422",
    "fc6393123d62bf7ba964012aa39006022064713c3a3862a1dfb7cfa075a104e6f7c206b03dd6a400c057486b",
    "deddaca92e",
);
const PUBLIC_KEY: &str = concat!(
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004d1744244e42a3f892f52d986ccc27e76be",
    "49cc1abef05fcb570e6dd37d71e888cdbefdbf15e1bb78005d1f1f6459ad34f6e8191dbc5aef27b4111d2758",
    "e1d09d",
);

/// A test-only Ed25519 key in PEM.
const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEICjilL658f+rfOt5WLMHNPNJTlY16qlZBC8thshk8eS0\n-----END PRIVATE KEY-----\n";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn utf16(s: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if big_endian { b"\xFE\xFF" } else { b"\xFF\xFE" });
    }
    for u in s.encode_utf16() {
        out.extend_from_slice(&if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
    }
    out
}

/// The same PKCS#12 file with BER's indefinite lengths on the outer SEQUENCE, as some tools
/// write it.
fn pkcs12_indefinite() -> Vec<u8> {
    let der = unhex(PKCS12);
    assert_eq!(&der[..2], &[0x30, 0x82]);
    let mut out = vec![0x30, 0x80];
    out.extend_from_slice(&der[4..]);
    out.extend_from_slice(&[0, 0]);
    out
}

/// Every private key form, with a label.
fn private_keys() -> Vec<(&'static str, Vec<u8>, Class)> {
    let mut with_newline = unhex(SEC1_EC);
    with_newline.push(b'\n');
    vec![
        ("Ed25519 PKCS#8 DER", unhex(ED25519_PKCS8), Class::DerPrivateKey),
        ("encrypted PKCS#8 DER", unhex(ENCRYPTED_PKCS8), Class::DerEncryptedPrivateKey),
        ("SEC1 EC DER", unhex(SEC1_EC), Class::DerEcPrivateKey),
        ("SEC1 EC DER and a newline", with_newline, Class::DerEcPrivateKey),
        ("PKCS#1 RSA DER", unhex(RSA_PKCS1), Class::DerPrivateKey),
        ("PKCS#12", unhex(PKCS12), Class::Pkcs12),
        ("PKCS#12, indefinite length", pkcs12_indefinite(), Class::Pkcs12),
        ("Java key store", b"\xFE\xED\xFE\xED\0\0\0\x02\0\0\0\x01".to_vec(), Class::JavaKeyStore),
        ("PEM", PEM.as_bytes().to_vec(), Class::PemPrivateKey),
        ("PEM, UTF-8 BOM", [b"\xEF\xBB\xBF", PEM.as_bytes()].concat(), Class::PemPrivateKey),
        ("PEM, UTF-16LE BOM", utf16(PEM, false, true), Class::PemPrivateKey),
        ("PEM, UTF-16LE", utf16(PEM, false, false), Class::PemPrivateKey),
        ("PEM, UTF-16BE BOM", utf16(PEM, true, true), Class::PemPrivateKey),
        ("PEM, UTF-16BE", utf16(PEM, true, false), Class::PemPrivateKey),
        (
            "PuTTY, UTF-16LE BOM",
            utf16("PuTTY-User-Key-File-3: ssh-ed25519\r\n", false, true),
            Class::PuttyPrivateKey,
        ),
    ]
}

/// Key-like binary: random bytes around the strings a license-activation key holds.
fn key_like(seed: u32, len: usize, first: Option<u8>) -> Vec<u8> {
    let mut x: u32 = 0x2545_f491 ^ seed.wrapping_mul(0x9e37_79b9);
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        (x & 0xff) as u8
    };
    let mut v: Vec<u8> = first.into_iter().collect();
    let strings: [&[u8]; 3] = [
        b"FEATURE ON DEMAND ACTIVATION KEY FOR System x3650 M5",
        b"SHA-256 RSA 3072",
        b"Lenovo XClarity Controller Enterprise Upgrade",
    ];
    for s in strings {
        for _ in 0..(usize::from(next()) % 40 + 4) {
            v.push(next());
        }
        v.extend_from_slice(s);
    }
    while v.len() < len {
        v.push(next());
    }
    v
}

#[test]
fn private_keys_of_every_form_are_recognised() {
    for (what, bytes, class) in private_keys() {
        assert_eq!(classify(&bytes), class, "{what}");
        assert!(class.is_private_key(), "{what}");
        assert!(is_private_key(&bytes), "{what}");
        let f = facts("lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key", &bytes);
        assert!(f.strings.is_empty() && f.sha256.is_none() && f.name.is_none(), "{what}");
    }
}

#[test]
fn certificates_and_public_keys_are_not_keys_nor_private() {
    for (what, bytes) in [
        ("certificate", unhex(CERTIFICATE)),
        ("public key", unhex(PUBLIC_KEY)),
        ("PEM certificate, UTF-16LE", utf16("-----BEGIN CERTIFICATE-----\nMIIB\n", false, true)),
    ] {
        let class = classify(&bytes);
        assert!(matches!(class, Class::DerOther | Class::PemOther), "{what}: {class:?}");
        assert!(!is_private_key(&bytes), "{what}");
    }
    assert_eq!(classify(&utf16("<!DOCTYPE html><html></html>", false, true)), Class::Html);
}

#[test]
fn key_like_binary_stays_a_key() {
    for seed in 0..500 {
        for (first, len) in [(None, 1500), (Some(0x30), 1200), (Some(0x30), 300)] {
            let bytes = key_like(seed, len, first);
            assert_eq!(classify(&bytes), Class::Key, "seed {seed}, first {first:?}");
            assert!(!is_private_key(&bytes), "seed {seed}");
        }
        // Starting like a DER SEQUENCE whose length spans the file is not enough either.
        let mut bytes = key_like(seed, 1000, None);
        let len = u16::try_from(bytes.len()).unwrap();
        bytes.splice(0..0, [0x30, 0x82, (len >> 8) as u8, (len & 0xff) as u8]);
        assert_eq!(classify(&bytes), Class::Key, "spanning SEQUENCE, seed {seed}");
    }
}

#[test]
fn validate_and_pack_refuse_every_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let k = dir.path().join("keys");
    std::fs::create_dir(&k).unwrap();
    std::fs::write(k.join("lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key"), key_like(1, 1500, None))
        .unwrap();
    std::fs::write(k.join("xcc_fod_0034_7X21ABCDEF1.key"), key_like(2, 1200, Some(0x30))).unwrap();
    let keys = private_keys();
    for (i, (_, bytes, _)) in keys.iter().enumerate() {
        std::fs::write(k.join(format!("impostor{i}.key")), bytes).unwrap();
    }
    std::fs::write(k.join("cert.key"), unhex(CERTIFICATE)).unwrap();
    let out = fodpack(&["validate", "keys"], dir.path());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("error[key-private-key]").count(), keys.len(), "{text}");
    assert_eq!(text.matches("error[key-not-a-key]").count(), 1, "{text}");
    for args in
        [&["pack", "keys", "-o", "b.zip"][..], &["pack", "keys", "-o", "b.zip", "--force"][..]]
    {
        let out = fodpack(args, dir.path());
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains("no bundle written"), "{text}");
        for i in 0..keys.len() {
            assert!(text.contains(&format!("impostor{i}.key")), "{i}: {text}");
        }
        assert!(!dir.path().join("b.zip").exists());
    }
    // The key-like files on their own pack.
    for i in 0..keys.len() {
        std::fs::remove_file(k.join(format!("impostor{i}.key"))).unwrap();
    }
    std::fs::remove_file(k.join("cert.key")).unwrap();
    let out = fodpack(&["pack", "keys", "-o", "b.zip"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn inspect_never_shows_a_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let rsa = unhex(RSA_PKCS1);
    let files: [(&str, Vec<u8>); 4] = [
        ("server.key", PEM.as_bytes().to_vec()),
        ("server.pem", PEM.as_bytes().to_vec()),
        ("unicode.key", utf16(PEM, false, true)),
        ("rsa.key", rsa.clone()),
    ];
    let body = PEM.lines().nth(1).unwrap();
    let der_strings = fodpack::keyfile::printable_strings(&rsa, 4, 100);
    for (name, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let out = fodpack(&["inspect", name], dir.path());
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {text}");
        assert!(text.contains("private key") && text.contains("not shown"), "{name}: {text}");
        assert!(text.contains("error[key-private-key]"), "{name}: {text}");
        assert!(text.contains("never be carried"), "{name}: {text}");
        for leak in [body, &body[..8], "BEGIN", "SHA-256"] {
            assert!(!text.contains(leak), "{name} shows {leak:?}: {text}");
        }
        for s in &der_strings {
            assert!(!text.contains(s.as_str()), "{name} shows {s:?}: {text}");
        }

        let out = fodpack(&["inspect", name, "--format", "json"], dir.path());
        let raw = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {raw}");
        let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(v["kind"], "private-key", "{name}: {raw}");
        assert_eq!(v["key"]["size"], bytes.len(), "{name}: {raw}");
        assert_eq!(v["key"]["strings"], serde_json::json!([]), "{name}: {raw}");
        assert!(v["key"].get("sha256").is_none(), "{name}: {raw}");
        assert_eq!(v["findings"][0]["code"], "key-private-key", "{name}: {raw}");
        for leak in [body, &body[..8], "BEGIN"] {
            assert!(!raw.contains(leak), "{name} shows {leak:?}: {raw}");
        }
    }
}
