//! `/notifications`: the in-app notifications plugins sent to the signed-in person, newest first, and a
//! plain form that marks them all read (works without JavaScript). Bodies are the plugins' Markdown,
//! rendered as safely as on plugin pages ([`plugin_ui::markdown_html`]).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use plugin_api::views::{NotificationView, NotificationsView};

use super::{ErrorPanel, FormErrors, SignInPrompt, form_error, page_info, query_param};
use crate::api::{MarkNotificationsRead, notifications};
use crate::plugin_ui;

#[component]
pub(super) fn NotificationsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| notifications());
    let info = page_info();
    if info.user.is_none() {
        return view! { <SignInPrompt /> }.into_any();
    }
    let error = form_error::<MarkNotificationsRead>();
    let marked = query_param("marked").is_some() && error.is_none();
    let csrf_token = info.csrf_token;
    view! {
        <Title text="Notifications – Rampart" />
        <h1>"Notifications"</h1>
        <FormErrors error />
        {marked.then(|| view! {
            <p class="notice" role="status">"All your notifications are marked as read."</p>
        })}
        <Suspense fallback=|| view! { <p>"Loading your notifications…"</p> }>
            {move || {
                let csrf_token = csrf_token.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(view) => view! { <NotificationList view csrf_token /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}

/// The list, or what to expect when it is empty, and the "Mark all as read" form while any is unread.
#[component]
fn NotificationList(view: NotificationsView, csrf_token: String) -> impl IntoView {
    if view.items.is_empty() {
        return view! {
            <p class="notifications-empty">
                "You have no notifications. When a service your organisation uses in Rampart has news for you, it will appear here."
            </p>
        }
        .into_any();
    }
    let unread = view.unread;
    let summary = match unread {
        0 => "You have read all your notifications.".to_owned(),
        1 => "You have 1 unread notification.".to_owned(),
        n => format!("You have {n} unread notifications."),
    };
    view! {
        <div class="notifications-bar">
            <p class="notifications-summary">{summary}</p>
            {(unread > 0).then(|| view! {
                <form method="post" action=MarkNotificationsRead::url()>
                    <input type="hidden" name="csrf_token" value=csrf_token />
                    <button type="submit" class="button secondary">"Mark all as read"</button>
                </form>
            })}
        </div>
        <ol class="notification-list">
            {view.items.into_iter().map(notification_item).collect_view()}
        </ol>
    }
    .into_any()
}

/// `href` when it is a page of this site (`/…`, not `//…`) or an `https://` URL.
fn safe_link(href: &str) -> Option<&str> {
    let clean = !href
        .chars()
        .any(|c| c.is_control() || c == '\\' || c.is_whitespace());
    let local = href.starts_with('/') && !href.starts_with("//");
    let https = href
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        && href.len() > 8
        && !href[8..].starts_with('/');
    (clean && (local || https)).then_some(href)
}

fn notification_item(item: NotificationView) -> impl IntoView {
    let title_id = format!("notification-{}-title", item.id);
    let labelled_by = title_id.clone();
    let body = (!item.body_markdown.trim().is_empty()).then(|| {
        let html = plugin_ui::markdown_html(&item.body_markdown, &item.plugin, "");
        view! { <div class="markdown" inner_html=html></div> }
    });
    let open = item.link.as_deref().and_then(safe_link).map(|href| {
        let external = !href.starts_with('/');
        let rel = external.then_some("noopener noreferrer");
        view! {
            <p class="notification-open">
                <a href=href.to_owned() rel=rel>
                    "Open"<span class="visually-hidden">{format!(": {}", item.title)}</span>
                </a>
            </p>
        }
    });
    let millis = item.created_at.saturating_mul(1000);
    view! {
        <li class="notification" class:notification-unread=item.unread>
            <article aria-labelledby=labelled_by>
                <h2 class="notification-title" id=title_id>
                    {item.unread.then(|| view! {
                        <span class="notification-new" aria-hidden="true">"New"</span>
                        <span class="visually-hidden">"Unread: "</span>
                    })}
                    {item.title.clone()}
                </h2>
                <p class="notification-meta">
                    <span class="notification-source">{item.source}</span>
                    " · "
                    <time datetime=plugin_ui::iso_datetime(millis)>{plugin_ui::display_datetime(millis)}</time>
                </p>
                {body}
                {open}
            </article>
        </li>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn item(id: i64, unread: bool, link: Option<&str>) -> NotificationView {
        NotificationView {
            id,
            plugin: "broadcasts".into(),
            source: "Broadcasts".into(),
            title: format!("Drill {id}"),
            body_markdown: "Meet at **9** <script>alert(1)</script> [see](sent)".into(),
            link: link.map(str::to_owned),
            created_at: 1_772_355_900,
            unread,
        }
    }

    fn render(view: NotificationsView) -> String {
        let owner = Owner::new();
        owner.with(|| view! { <NotificationList view csrf_token="csrf-1".to_owned() /> }.to_html())
    }

    #[test]
    fn notifications_show_newest_first_with_unread_marked() {
        let html = render(NotificationsView {
            items: vec![
                item(2, true, Some("/plugins/broadcasts/inbox")),
                item(1, false, Some("javascript:alert(1)")),
            ],
            unread: 1,
        });
        assert!(html.contains("You have 1 unread notification."), "{html}");
        assert!(
            html.contains(r#"action="/api/mark_notifications_read""#),
            "{html}"
        );
        assert!(
            html.contains(r#"<input type="hidden" name="csrf_token" value="csrf-1">"#),
            "{html}"
        );
        assert!(html.contains("Mark all as read"), "{html}");
        let first = html.find("Drill 2").unwrap();
        let second = html.find("Drill 1").unwrap();
        assert!(first < second, "{html}");
        assert_eq!(
            html.matches(r#"<span class="visually-hidden">Unread: </span>"#)
                .count(),
            1,
            "{html}"
        );
        assert!(html.contains("notification-unread"), "{html}");
        assert!(
            html.contains(
                r#"<time datetime="2026-03-01T09:05:00Z">1 March 2026, 09:05 UTC</time>"#
            ),
            "{html}"
        );
        assert!(html.contains("Broadcasts"), "{html}");
        assert!(html.contains("<strong>9</strong>"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains(r#"<a href="/plugins/broadcasts/sent">see</a>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="/plugins/broadcasts/inbox">Open"#),
            "{html}"
        );
        assert!(!html.contains("javascript:"), "{html}");
        assert_eq!(html.matches(">Open<").count(), 1, "{html}");
    }

    #[test]
    fn nothing_unread_means_no_form_and_none_means_the_empty_state() {
        let html = render(NotificationsView {
            items: vec![item(1, false, Some("https://example.org/x"))],
            unread: 0,
        });
        assert!(!html.contains("Mark all as read"), "{html}");
        assert!(!html.contains("Unread: "), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.org/x" rel="noopener noreferrer">Open"#),
            "{html}"
        );
        let html = render(NotificationsView::default());
        assert!(html.contains("You have no notifications."), "{html}");
        assert!(!html.contains("<ol"), "{html}");
    }

    #[test]
    fn only_local_paths_and_https_links_are_opened() {
        assert_eq!(safe_link("/dashboard"), Some("/dashboard"));
        assert_eq!(
            safe_link("https://example.org/a"),
            Some("https://example.org/a")
        );
        assert_eq!(
            safe_link("HTTPS://example.org"),
            Some("HTTPS://example.org")
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "http://example.org",
            "javascript:alert(1)",
            "https:///x",
            "https://",
            "/a b",
            "/\t/evil",
            "inbox",
            "",
        ] {
            assert_eq!(safe_link(bad), None, "{bad}");
        }
    }
}
