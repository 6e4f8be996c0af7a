use serde_json::json;

use super::*;

#[expect(clippy::disallowed_methods, reason = "token expiry is measured by the wall clock")]
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> serde_json::Value {
    json!({
        "sub": "sinan-approver", "iss": "chain", "aud": "chain-api", "exp": now() + 3600,
        "roles": ["approver"], "jurisdiction": "520624",
    })
}

fn header() -> serde_json::Value {
    json!({ "alg": "EdDSA", "typ": "JWT", "kid": dev::DEV_KID })
}

async fn verifier(key: &SigningKey) -> TokenVerifier {
    TokenVerifier::from_jwks(&key.jwks(), "chain", "chain-api").await.unwrap()
}

#[tokio::test]
async fn a_minted_token_verifies_to_its_principal() {
    let key = SigningKey::generate().unwrap();
    let v = verifier(&key).await;
    let minted = key.sign(&Claims {
        sub: "sinan-approver".into(),
        iss: "chain".into(),
        aud: "chain-api".into(),
        exp: now() + 60,
        iat: None,
        name: None,
        roles: vec![chain_api::Role::Approver],
        jurisdiction: "520624".into(),
    });
    let p = v.verify(&minted).await.unwrap();
    assert_eq!(p.subject, "sinan-approver");
    assert_eq!(p.jurisdiction.to_string(), "520624");
}

#[tokio::test]
async fn an_audience_array_and_unknown_roles_beside_a_known_one_are_accepted() {
    let key = SigningKey::generate().unwrap();
    let v = verifier(&key).await;
    let mut c = claims();
    c["aud"] = json!(["account", "chain-api"]);
    c["roles"] = json!(["offline_access", "approver"]);
    let p = v.verify(&key.sign_json(&header(), &c)).await.unwrap();
    assert_eq!(p.roles, vec![chain_api::Role::Approver]);
    c["roles"] = json!(["offline_access"]);
    assert_eq!(
        v.verify(&key.sign_json(&header(), &c)).await.unwrap_err(),
        "the token carries none of this API's roles"
    );
}

#[tokio::test]
async fn expired_early_foreign_and_misaddressed_tokens_are_refused() {
    let key = SigningKey::generate().unwrap();
    let v = verifier(&key).await;
    let refused = async |c: serde_json::Value| v.verify(&key.sign_json(&header(), &c)).await.unwrap_err();
    let mut c = claims();
    c["exp"] = json!(now() - 600);
    assert_eq!(refused(c).await, "the token has expired");
    let mut c = claims();
    c["nbf"] = json!(now() + 600);
    assert_eq!(refused(c).await, "the token is not valid yet (nbf)");
    let mut c = claims();
    c["aud"] = json!(["other-api"]);
    assert_eq!(refused(c).await, "the token is not meant for this API");
    let mut c = claims();
    c["iss"] = json!("someone");
    assert_eq!(refused(c).await, "the token's issuer is not accepted");
    let mut c = claims();
    c.as_object_mut().unwrap().remove("sub");
    assert_eq!(refused(c).await, "the token lacks the claim sub");
    let other = SigningKey::generate().unwrap();
    assert_eq!(
        v.verify(&other.sign_json(&header(), &claims())).await.unwrap_err(),
        "the token's signature is not valid"
    );
}

#[tokio::test]
async fn none_hmac_mismatched_algorithms_and_critical_extensions_are_refused() {
    let key = SigningKey::generate().unwrap();
    let v = verifier(&key).await;
    let token = key.sign_json(&header(), &claims());
    let resigned = |h: serde_json::Value| {
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[0] = B64.encode(h.to_string());
        parts.join(".")
    };
    assert_eq!(v.verify(&resigned(json!({"alg": "none"}))).await.unwrap_err(), "the token's algorithm is not accepted");
    let hs = json!({"alg": "HS256", "kid": dev::DEV_KID});
    assert_eq!(v.verify(&resigned(hs)).await.unwrap_err(), "the token's algorithm is not accepted");
    let rs = json!({"alg": "RS256", "kid": dev::DEV_KID});
    assert_eq!(v.verify(&resigned(rs)).await.unwrap_err(), "the token's algorithm does not match its key");
    let crit = json!({"alg": "EdDSA", "kid": dev::DEV_KID, "crit": ["urn:example:hop"], "urn:example:hop": 1});
    assert_eq!(
        v.verify(&key.sign_json(&crit, &claims())).await.unwrap_err(),
        "the token names critical header extensions this API does not understand"
    );
}

#[test]
fn keys_are_pinned_to_their_algorithm_and_symmetric_keys_never_used() {
    let doc = json!({ "keys": [
        { "kty": "oct", "k": "c2VjcmV0", "kid": "hmac" },
        { "kty": "EC", "crv": "P-256", "kid": "ec", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" },
        { "kty": "EC", "crv": "P-256", "alg": "ES384", "kid": "ec-mislabelled", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" },
        { "kty": "RSA", "kid": "rsa-enc", "use": "enc", "n": "sXch", "e": "AQAB" },
        { "kty": "RSA", "kid": "rsa", "alg": "RS256", "n": "sXch", "e": "AQAB" },
    ]});
    let set = jwks::KeySet::parse(&doc.to_string()).unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(set.find(Some("ec"), jsonwebtoken::Algorithm::ES256)[0].alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(set.find(Some("rsa"), jsonwebtoken::Algorithm::RS256)[0].alg, jsonwebtoken::Algorithm::RS256);
    assert!(set.find(Some("hmac"), jsonwebtoken::Algorithm::HS256).is_empty());
}

#[test]
fn a_refusal_challenges_with_invalid_token_and_a_missing_token_without_error() {
    let refused = Unauthenticated::invalid("the token has expired".into()).into_response();
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()[header::WWW_AUTHENTICATE],
        r#"Bearer error="invalid_token", error_description="the token has expired""#
    );
    let missing = Unauthenticated::missing("send Authorization: Bearer <token>").into_response();
    assert_eq!(missing.headers()[header::WWW_AUTHENTICATE], "Bearer");
}
