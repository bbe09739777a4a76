//! Headers, CSRF, the role guards and the error pages.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::TestApp;

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = TestApp::new().await;
    let mut client = app.signed_in("admin@example.test", Role::Admin, None).await;
    for path in ["/login", "/admin/users", "/no-such-page"] {
        let response = client.get(path).await;
        let csp = response.header("content-security-policy");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(response.header("x-content-type-options"), "nosniff");
        assert_eq!(response.header("x-frame-options"), "DENY");
        assert_eq!(response.header("referrer-policy"), "same-origin");
        assert_eq!(response.header("cache-control"), "no-store", "{path}");
        assert!(!response.header("x-request-id").is_empty());
    }
    let css = client.get("/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("cache-control").contains("max-age"));
}

#[tokio::test]
async fn pages_have_no_inline_script_or_style() {
    let app = TestApp::new().await;
    let mut client = app.signed_in("admin@example.test", Role::Admin, None).await;
    for path in [
        "/login",
        "/admin/users",
        "/admin/users/new",
        "/admin/centres",
        "/account/password",
    ] {
        let page = client.get(path).await;
        let html = page.html();
        let inline_scripts = html
            .select(&scraper::Selector::parse("script:not([src])").unwrap())
            .count();
        assert_eq!(inline_scripts, 0, "{path}");
        assert!(
            !page.body.contains("style=") && !page.body.contains("<style"),
            "{path}"
        );
        assert!(!page.body.contains(" onclick="), "{path}");
    }
}

#[tokio::test]
async fn a_post_without_a_valid_csrf_token_is_refused() {
    let app = TestApp::new().await;
    app.user("admin@example.test", Role::Admin, None).await;
    let mut client = app.client();
    client.get("/login").await;
    let missing = client
        .post_raw("/login", &[("email", "admin@example.test"), ("password", "x")])
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = client
        .post_raw(
            "/login",
            &[
                ("_csrf", "0.0"),
                ("email", "admin@example.test"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // A token from another browser is not this browser's token.
    let mut other = app.client();
    let foreign = other.csrf().await;
    let forged = client
        .post_raw(
            "/login",
            &[
                ("_csrf", foreign.as_str()),
                ("email", "admin@example.test"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        forged.texts("h1").contains(&"Formularen var udløbet".to_owned()),
        "the page says why: {}",
        forged.body
    );
}

#[tokio::test]
async fn a_signed_in_post_without_csrf_changes_nothing() {
    let app = TestApp::new().await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let response = admin
        .post_raw("/admin/centres", &[("code", "XYZ"), ("name", "Forged")])
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let count: i64 = sqlx::query_scalar("select count(*) from centres")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn each_role_is_refused_the_areas_it_must_not_reach() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let cases = [
        (
            Role::Nurse,
            vec![
                "/admin/users",
                "/admin/users/new",
                "/admin/centres",
                "/centre",
                "/nurses",
            ],
        ),
        (
            Role::Coordinator,
            vec!["/admin/users", "/admin/centres", "/today", "/my-patients"],
        ),
        (Role::Admin, vec!["/today", "/my-patients", "/centre", "/nurses"]),
    ];
    for (role, paths) in cases {
        let centre_id = role.is_bound_to_centre().then_some(centre);
        let mut client = app
            .signed_in(&format!("{}@example.test", role.as_str()), role, centre_id)
            .await;
        for path in paths {
            let response = client.get(path).await;
            assert_eq!(response.status, StatusCode::FORBIDDEN, "{role:?} reached {path}");
            assert!(response.texts("h1").contains(&"Ingen adgang".to_owned()));
        }
        // And a state-changing request to the admin area is refused as well.
        if role != Role::Admin {
            let response = client
                .post("/admin/centres", &[("code", "HACK"), ("name", "x")])
                .await;
            assert_eq!(response.status, StatusCode::FORBIDDEN);
        }
    }
    let count: i64 = sqlx::query_scalar("select count(*) from centres")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in() {
    let app = TestApp::new().await;
    let mut client = app.client();
    for path in ["/today", "/admin/users", "/centre", "/account/password", "/"] {
        let response = client.get(path).await;
        assert_eq!(
            (response.status, response.location()),
            (StatusCode::SEE_OTHER, "/login"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_missing_page_is_a_friendly_404_in_the_layout() {
    let app = TestApp::new().await;
    let mut client = app.signed_in("admin@example.test", Role::Admin, None).await;
    let response = client.get("/no/such/page").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.texts("main h1"), vec!["Siden findes ikke"]);
    // The navigation of the signed-in admin is there.
    assert!(response.texts("nav a").contains(&"Brugere".to_owned()));
}

#[tokio::test]
async fn an_internal_error_shows_an_incident_id_and_no_cause() {
    let app = TestApp::new().await;
    let mut client = app.signed_in("admin@example.test", Role::Admin, None).await;
    sqlx::query("alter table centres rename to centres_gone")
        .execute(&app.db)
        .await
        .unwrap();
    let response = client.get("/admin/centres").await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    let incident = response.texts(".incident code");
    assert_eq!(incident.len(), 1);
    assert_eq!(incident[0].len(), 12);
    assert!(!response.body.contains("centres_gone") && !response.body.contains("relation"));
}

#[tokio::test]
async fn over_https_cookies_are_secure_with_the_host_prefix_and_hsts_is_sent() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let app = TestApp::new().await;
    let mut config = coachline::Config::for_tests(&app.database_url);
    config.https = true;
    let router = coachline::app(coachline::AppState::new(app.db.clone(), config));
    // A nurse: signed in by the password alone, so the session cookie comes at once.
    let ouh = app.centre("OUH").await;
    app.user("nurse@example.test", Role::Nurse, Some(ouh)).await;
    let response = router
        .clone()
        .oneshot(Request::get("/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(response.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
    let csrf = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        csrf.starts_with("__Host-coachline_csrf=") && csrf.contains("Secure") && csrf.contains("Path=/"),
        "{csrf}"
    );
    let token = csrf
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let body = serde_urlencoded::to_string([
        ("_csrf", token.as_str()),
        ("email", "nurse@example.test"),
        ("password", crate::helpers::PASSWORD),
    ])
    .unwrap();
    let signed = router
        .oneshot(
            Request::post("/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", format!("__Host-coachline_csrf={token}"))
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let session = signed
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-coachline_session="))
        .expect("a __Host- session cookie");
    assert!(
        session.contains("Secure") && session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
}

#[tokio::test]
async fn the_csrf_token_is_tied_to_the_session_and_renewed_at_sign_in_and_sign_out() {
    let app = TestApp::new().await;
    app.user("admin@example.test", Role::Admin, None).await;
    let mut admin = app.client();
    let anonymous = admin.csrf().await;
    admin
        .sign_in("admin@example.test", crate::helpers::PASSWORD)
        .await;
    let signed_in = admin.csrf().await;
    assert_ne!(anonymous, signed_in, "renewed at sign-in");
    let forge = |client: &mut crate::helpers::Client<'_>, token: &str| {
        client
            .cookies
            .insert("coachline_csrf".to_owned(), token.to_owned());
    };
    // A token minted before sign-in (or planted from another browser) is refused, cookie and all.
    forge(&mut admin, &anonymous);
    let planted = admin
        .post_raw(
            "/admin/centres",
            &[("_csrf", anonymous.as_str()), ("code", "XYZ"), ("name", "Forged")],
        )
        .await;
    assert_eq!(planted.status, StatusCode::FORBIDDEN);
    // So is another session's token.
    let mut other = app.signed_in("other@example.test", Role::Admin, None).await;
    let foreign = other.csrf().await;
    forge(&mut admin, &foreign);
    let crossed = admin
        .post_raw(
            "/admin/centres",
            &[("_csrf", foreign.as_str()), ("code", "XYZ"), ("name", "Forged")],
        )
        .await;
    assert_eq!(crossed.status, StatusCode::FORBIDDEN);
    // The session's own token works, and does not survive signing out.
    forge(&mut admin, &signed_in);
    assert_eq!(
        admin
            .post("/admin/centres", &[("code", "ABC"), ("name", "Ægte")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    admin.post("/logout", &[]).await;
    let after = admin.csrf().await;
    assert_ne!(after, signed_in, "renewed at sign-out");
    forge(&mut admin, &signed_in);
    let stale = admin
        .post_raw(
            "/login",
            &[
                ("_csrf", signed_in.as_str()),
                ("email", "admin@example.test"),
                ("password", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    let centres: Vec<String> = sqlx::query_scalar("select code from centres")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(centres, vec!["ABC"]);
}
