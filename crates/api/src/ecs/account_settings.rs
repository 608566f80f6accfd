//! PutAccountSetting, PutAccountSettingDefault, ListAccountSettings,
//! DeleteAccountSetting.

use super::input::*;
use super::{caller, paged, read, required, write, Paging, Result};
use crate::Call;
use model::ecs::settings::SettingView;
use serde_json::{json, Value};

fn setting_json(s: &SettingView) -> Value {
    json!({"name": s.name, "value": s.value, "principalArn": s.principal_arn, "type": s.kind})
}

pub(super) async fn put_account_setting(call: &Call<'_>, i: PutAccountSettingRequest) -> Result {
    let name = required(i.name, "name")?;
    let value = required(i.value, "value")?;
    let principal = i.principal_arn.unwrap_or_else(|| caller(call));
    write(call, move |r, _| {
        let s = r.put_account_setting(&name, &value, &principal)?;
        Ok(json!({ "setting": setting_json(&s) }))
    })
    .await
}

pub(super) async fn put_account_setting_default(
    call: &Call<'_>,
    i: PutAccountSettingDefaultRequest,
) -> Result {
    let name = required(i.name, "name")?;
    let value = required(i.value, "value")?;
    write(call, move |r, _| {
        let s = r.put_account_setting_default(&name, &value)?;
        Ok(json!({ "setting": setting_json(&s) }))
    })
    .await
}

pub(super) async fn list_account_settings(
    call: &Call<'_>,
    i: ListAccountSettingsRequest,
) -> Result {
    let principal = i.principal_arn.unwrap_or_else(|| caller(call));
    let effective = i.effective_settings.unwrap_or(false);
    let (name, value) = (i.name, i.value);
    let paging = Paging {
        max_results: i.max_results,
        next_token: i.next_token,
    };
    read(call, move |r| {
        let all =
            r.list_account_settings(name.as_deref(), value.as_deref(), &principal, effective)?;
        let views: Vec<Value> = all.iter().map(setting_json).collect();
        paged(&views, &paging, "settings", 10, 10)
    })
    .await
}

pub(super) async fn delete_account_setting(
    call: &Call<'_>,
    i: DeleteAccountSettingRequest,
) -> Result {
    let name = required(i.name, "name")?;
    let principal = i.principal_arn.unwrap_or_else(|| caller(call));
    write(call, move |r, _| {
        let s = r.delete_account_setting(&name, &principal)?;
        Ok(json!({ "setting": setting_json(&s) }))
    })
    .await
}
