//! Pseudo parameters: `AWS::AccountId`, `AWS::Region`, `AWS::StackName`, … as a stack sees them.

use serde_json::Value;

use crate::request::ACCOUNT_ID;

/// The names of every pseudo parameter.
pub const NAMES: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// True when `name` is a pseudo parameter.
pub fn is_pseudo(name: &str) -> bool {
    NAMES.contains(&name)
}

/// The values of the pseudo parameters for one stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pseudo {
    /// `AWS::AccountId`.
    pub account_id: String,
    /// `AWS::Region`.
    pub region: String,
    /// `AWS::StackName`.
    pub stack_name: String,
    /// `AWS::StackId` (the stack's ARN).
    pub stack_id: String,
    /// `AWS::NotificationARNs`.
    pub notification_arns: Vec<String>,
}

impl Pseudo {
    /// The pseudo parameters of a stack in the emulator's account (123456789012).
    pub fn new(region: &str, stack_name: &str, stack_id: &str) -> Self {
        Pseudo {
            account_id: ACCOUNT_ID.to_string(),
            region: region.to_string(),
            stack_name: stack_name.to_string(),
            stack_id: stack_id.to_string(),
            notification_arns: Vec::new(),
        }
    }

    /// `AWS::Partition`: `aws`, `aws-cn` or `aws-us-gov`, from the region.
    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    /// `AWS::URLSuffix`: `amazonaws.com` (`amazonaws.com.cn` in China).
    pub fn url_suffix(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }

    /// What `Fn::GetAZs` gives for a region (the stack's own when `region` is empty): three
    /// zones, `<region>a`, `<region>b`, `<region>c`.
    pub fn availability_zones(&self, region: &str) -> Vec<String> {
        let region = if region.is_empty() {
            &self.region
        } else {
            region
        };
        ["a", "b", "c"]
            .iter()
            .map(|zone| format!("{region}{zone}"))
            .collect()
    }

    /// The value of a pseudo parameter: `None` when `name` is not one, `Some(None)` for
    /// `AWS::NoValue` (which removes the property it is in).
    pub fn value(&self, name: &str) -> Option<Option<Value>> {
        let text = |s: &str| Some(Some(Value::String(s.to_string())));
        match name {
            "AWS::AccountId" => text(&self.account_id),
            "AWS::Region" => text(&self.region),
            "AWS::StackName" => text(&self.stack_name),
            "AWS::StackId" => text(&self.stack_id),
            "AWS::Partition" => text(self.partition()),
            "AWS::URLSuffix" => text(self.url_suffix()),
            "AWS::NotificationARNs" => Some(Some(Value::Array(
                self.notification_arns
                    .iter()
                    .map(|arn| Value::String(arn.clone()))
                    .collect(),
            ))),
            "AWS::NoValue" => Some(None),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_follow_the_region() {
        let p = Pseudo::new(
            "eu-west-1",
            "s",
            "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1",
        );
        assert_eq!(p.value("AWS::AccountId"), Some(Some(json!("123456789012"))));
        assert_eq!(p.value("AWS::Partition"), Some(Some(json!("aws"))));
        assert_eq!(
            p.value("AWS::URLSuffix"),
            Some(Some(json!("amazonaws.com")))
        );
        assert_eq!(p.value("AWS::NotificationARNs"), Some(Some(json!([]))));
        assert_eq!(p.value("AWS::NoValue"), Some(None));
        assert_eq!(p.value("Bucket"), None);
        assert_eq!(
            p.availability_zones(""),
            ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
        );
        assert_eq!(p.availability_zones("us-east-2")[2], "us-east-2c");
        let cn = Pseudo::new("cn-north-1", "s", "x");
        assert_eq!(
            (cn.partition(), cn.url_suffix()),
            ("aws-cn", "amazonaws.com.cn")
        );
    }
}
