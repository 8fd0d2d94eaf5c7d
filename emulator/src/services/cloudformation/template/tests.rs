//! Tests across the template modules: validation messages, evaluation, the dependency graph and
//! the template summary, on real templates.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;

fn parse_err(body: &str) -> String {
    Template::parse(body).unwrap_err().message
}

fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn pseudo() -> Pseudo {
    Pseudo::new(
        "us-east-1",
        "demo",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/demo/1b2c",
    )
}

fn instance(body: &str, params: &[(&str, &str)]) -> Instance {
    Instance::new(Template::parse(body).unwrap(), pseudo(), &given(params)).unwrap()
}

const RESUMER: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Description: Resumer for one integration
Parameters:
  NameSuffix:
    Type: String
    AllowedPattern: "[a-z0-9-]+"
    MaxLength: 20
    Description: Suffix of every name
  Removal:
    Type: String
    Default: destroy
    AllowedValues: [retain, destroy]
  Secret:
    Type: String
    NoEcho: true
    Default: hunter2
Mappings:
  Regions:
    us-east-1: {Short: use1}
Conditions:
  Retain: !Equals [!Ref Removal, retain]
  Destroy: !Not [!Condition Retain]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: !If [Retain, Retain, Delete]
    Properties:
      TableName: !Sub "tokens-${NameSuffix}-${AWS::Region}"
      BillingMode: PAY_PER_REQUEST
      Tags:
        - Key: region
          Value: !FindInMap [Regions, !Ref "AWS::Region", Short]
        - !If [Destroy, {Key: temp, Value: "yes"}, !Ref AWS::NoValue]
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Join ["-", [resumer, !Ref NameSuffix]]
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: states.amazonaws.com}
            Action: sts:AssumeRole
            Condition: {StringEquals: {"aws:SourceAccount": !Ref AWS::AccountId}}
      Policies:
        - PolicyName: table
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: dynamodb:GetItem
                Resource: !GetAtt Table.Arn
  Machine:
    Type: AWS::StepFunctions::StateMachine
    DependsOn: Table
    Properties:
      RoleArn: !GetAtt [Role, Arn]
      DefinitionString: !Sub
        - '{"Comment": "${Comment}", "Table": "${Table}", "Literal": "${!Table}"}'
        - Comment: !Select [1, !Split [",", "a,resume,c"]]
  Rule:
    Type: AWS::Events::Rule
    Properties:
      Targets:
        - Arn: !Ref Machine
          Id: resume
          RoleArn: !GetAtt Role.Arn
Outputs:
  MachineArn:
    Value: !Ref Machine
    Export:
      Name: !Sub "${AWS::StackName}-machine"
  TableName:
    Condition: Retain
    Value: !Ref Table
  Zones:
    Value: !Join [",", !GetAZs ""]
"#;

fn resumer_resources() -> KnownResources {
    let mut known = KnownResources::default();
    for (id, physical) in [
        ("Table", "tokens-x-us-east-1"),
        ("Role", "resumer-x"),
        (
            "Machine",
            "arn:aws:states:us-east-1:123456789012:stateMachine:m",
        ),
        ("Rule", "rule-1"),
    ] {
        known.physical_ids.insert(id.into(), physical.into());
    }
    known.attributes.insert(
        ("Table".into(), "Arn".into()),
        json!("arn:aws:dynamodb:us-east-1:123456789012:table/tokens-x-us-east-1"),
    );
    known.attributes.insert(
        ("Role".into(), "Arn".into()),
        json!("arn:aws:iam::123456789012:role/resumer-x"),
    );
    known
}

#[test]
fn a_real_template_evaluates_end_to_end() {
    let stack = instance(RESUMER, &[("NameSuffix", "x")]);
    let resources = resumer_resources();
    let exports = NoExports;
    let table = stack.properties("Table", &resources, &exports).unwrap();
    assert_eq!(
        Value::Object(table),
        json!({
            "TableName": "tokens-x-us-east-1",
            "BillingMode": "PAY_PER_REQUEST",
            "Tags": [{"Key": "region", "Value": "use1"}, {"Key": "temp", "Value": "yes"}],
        })
    );
    assert_eq!(
        stack.policy("Table", "DeletionPolicy").unwrap().as_deref(),
        Some("Delete")
    );
    let role = stack.properties("Role", &resources, &exports).unwrap();
    assert_eq!(role["RoleName"], json!("resumer-x"));
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"],
        json!({"StringEquals": {"aws:SourceAccount": "123456789012"}})
    );
    assert_eq!(
        role["Policies"][0]["PolicyDocument"]["Statement"][0]["Resource"],
        json!("arn:aws:dynamodb:us-east-1:123456789012:table/tokens-x-us-east-1")
    );
    let machine = stack.properties("Machine", &resources, &exports).unwrap();
    assert_eq!(
        machine["DefinitionString"],
        json!(r#"{"Comment": "resume", "Table": "tokens-x-us-east-1", "Literal": "${Table}"}"#)
    );
    assert_eq!(
        stack.graph().creation_waves(),
        vec![vec!["Table"], vec!["Role"], vec!["Machine"], vec!["Rule"]]
    );
    assert_eq!(
        stack.graph().deletion_waves(),
        vec![vec!["Rule"], vec!["Machine"], vec!["Role"], vec!["Table"]]
    );
    let outputs = stack.outputs(&resources, &exports).unwrap();
    assert_eq!(
        outputs,
        vec![
            OutputValue {
                key: "MachineArn".into(),
                value: "arn:aws:states:us-east-1:123456789012:stateMachine:m".into(),
                description: None,
                export_name: Some("demo-machine".into()),
            },
            OutputValue {
                key: "Zones".into(),
                value: "us-east-1a,us-east-1b,us-east-1c".into(),
                description: None,
                export_name: None,
            },
        ]
    );
    let secret = stack.parameters().get("Secret").unwrap();
    assert!(secret.no_echo);
    assert_eq!(secret.value, "hunter2");
}

#[test]
fn conditions_switch_properties_policies_and_outputs() {
    let stack = instance(RESUMER, &[("NameSuffix", "x"), ("Removal", "retain")]);
    assert_eq!(
        stack.conditions(),
        &BTreeMap::from([("Destroy".to_string(), false), ("Retain".to_string(), true)])
    );
    let resources = resumer_resources();
    let table = stack.properties("Table", &resources, &NoExports).unwrap();
    assert_eq!(table["Tags"], json!([{"Key": "region", "Value": "use1"}]));
    assert_eq!(
        stack.policy("Table", "DeletionPolicy").unwrap().as_deref(),
        Some("Retain")
    );
    let keys: Vec<String> = stack
        .outputs(&resources, &NoExports)
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(keys, ["MachineArn", "TableName", "Zones"]);
}

#[test]
fn summary_reports_parameters_types_and_named_iam() {
    let template = Template::parse(RESUMER).unwrap();
    let summary = template.summary();
    assert_eq!(
        summary.description.as_deref(),
        Some("Resumer for one integration")
    );
    assert_eq!(summary.version, "2010-09-09");
    assert_eq!(
        summary.resource_types,
        [
            "AWS::DynamoDB::Table",
            "AWS::IAM::Role",
            "AWS::StepFunctions::StateMachine",
            "AWS::Events::Rule"
        ]
    );
    let names: Vec<(&str, Option<&str>, bool)> = summary
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.default.as_deref(), p.no_echo))
        .collect();
    assert_eq!(
        names,
        [
            ("NameSuffix", None, false),
            ("Removal", Some("destroy"), false),
            ("Secret", Some("hunter2"), true)
        ]
    );
    assert_eq!(
        summary.parameters[0].description.as_deref(),
        Some("Suffix of every name")
    );
    assert_eq!(
        summary.required,
        RequiredCapabilities {
            capabilities: vec!["CAPABILITY_NAMED_IAM".into()],
            reason: Some("The following resource(s) require capabilities: [AWS::IAM::Role]".into()),
        }
    );
    let err = template
        .check_capabilities(&["CAPABILITY_IAM".into()])
        .unwrap_err();
    assert_eq!(
        err.message,
        "Requires capabilities : [CAPABILITY_NAMED_IAM]"
    );
    assert_eq!(err.code(), "InsufficientCapabilitiesException");
    template
        .check_capabilities(&["CAPABILITY_NAMED_IAM".into()])
        .unwrap();
}

#[test]
fn unnamed_iam_and_transforms() {
    let template = Template::parse(
        r#"{"Transform": "AWS::Serverless-2016-10-31", "Resources": {
            "P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {}}},
            "R": {"Type": "AWS::IAM::Role", "Properties": {}},
            "I": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [{"Ref": "R"}]}}}}"#,
    )
    .unwrap();
    let required = template.required_capabilities();
    assert_eq!(
        required.capabilities,
        ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
    );
    assert_eq!(
        required.reason.as_deref(),
        Some("The following resource(s) require capabilities: [AWS::IAM::InstanceProfile, AWS::IAM::ManagedPolicy, AWS::IAM::Role]")
    );
    assert_eq!(
        template.summary().declared_transforms,
        ["AWS::Serverless-2016-10-31"]
    );
    assert_eq!(
        template.check_capabilities(&[]).unwrap_err().message,
        "Requires capabilities : [CAPABILITY_IAM, CAPABILITY_AUTO_EXPAND]"
    );
    template
        .check_capabilities(&[
            "CAPABILITY_NAMED_IAM".into(),
            "CAPABILITY_AUTO_EXPAND".into(),
        ])
        .unwrap();
    let plain = Template::parse("Resources:\n  B:\n    Type: AWS::S3::Bucket\n").unwrap();
    assert_eq!(
        plain.required_capabilities(),
        RequiredCapabilities::default()
    );
    plain.check_capabilities(&[]).unwrap();
}

#[test]
fn structural_errors_use_aws_messages() {
    let cases = [
        ("Description: x\n", "Template format error: At least one Resources member must be defined."),
        ("Resources: {}\n", "Template format error: At least one Resources member must be defined."),
        ("Resources:\n  A:\n    Properties: {}\n", "Template format error: [/Resources/A] Every Resources object must contain a Type member."),
        ("Resources:\n  A:\n    Type: [x]\n", "Template format error: [/Resources/A] Every Type member must be a string."),
        ("Resources:\n  A: x\n", "Template format error: [/Resources/A] resource definition is malformed"),
        ("Resources:\n  A:\n    Type: X\n    Invalid: 1\n", "Invalid template resource property 'Invalid'"),
        ("Resources:\n  my-a:\n    Type: X\n", "Template format error: Resource name my-a is non alphanumeric."),
        ("Foo: 1\nBar: 2\nResources:\n  A:\n    Type: X\n", "Template format error: Invalid template property or properties [Bar, Foo]"),
        ("AWSTemplateFormatVersion: 2012-01-01\nResources:\n  A:\n    Type: X\n", "Template format error: unsupported value for AWSTemplateFormatVersion."),
        ("Resources:\n  A:\n    Type: X\nOutputs:\n  O:\n    Value:\n", "[/Outputs/O/Value] 'null' values are not allowed in templates"),
        ("Resources:\n  A:\n    Type: X\nOutputs:\n  O: {}\n", "Template format error: Every Outputs member must contain a Value object"),
        ("Parameters:\n  P:\n    Default: x\nResources:\n  A:\n    Type: X\n", "Template format error: Every Parameters object must contain a Type member."),
        ("Parameters:\n  P:\n    Type: Strin\nResources:\n  A:\n    Type: X\n", "Template format error: Unrecognized parameter type: Strin"),
        ("Parameters:\n  P:\n    Type: String\n    Bad: 1\nResources:\n  A:\n    Type: X\n", "Invalid template parameter property 'Bad'"),
        ("Resources:\n  A:\n    Type: X\n    DeletionPolicy: Keep\n", "Template format error: Unrecognized DeletionPolicy Keep for resource A"),
        ("Resources:\n  A:\n    Type: X\n    DependsOn: {a: 1}\n", "Template format error: DependsOn must be a string or list of strings."),
        ("Resources:\n  A:\n    Type: X\n    Zed: 1\n    Bad: 2\n", "Invalid template resource property 'Zed'"),
        ("Resources:\n  A:\n    Type: X\nOutputs:\n  O:\n    Value: x\n    Zed: 1\n    Bad: 2\n", "Template format error: Invalid outputs property : [Bad, Zed]"),
        ("Description: [x]\nResources:\n  A:\n    Type: X\n", "Template format error: Every Description member must be a string."),
        ("Resources:\n  A:\n    Type: X\n    Condition: [c]\n", "Template format error: Every Condition member must be a string."),
        ("Resources:\n  A:\n    Type: X\nOutputs:\n  O:\n    Value: x\n    Condition: [c]\n", "Template format error: Every Condition member must be a string."),
    ];
    for (body, message) in cases {
        assert_eq!(parse_err(body), message, "for {body}");
    }
}

#[test]
fn reference_errors_use_aws_messages() {
    let cases = [
        ("Resources:\n  A:\n    Type: X\n    Properties:\n      P: !Ref Nope\n      Q: !Sub '${Other}-${Nope}'\n",
         "Template format error: Unresolved resource dependencies [Nope, Other] in the Resources block of the template"),
        ("Resources:\n  A:\n    Type: X\n    DependsOn: [Gone]\n",
         "Template format error: Unresolved resource dependencies [Gone] in the Resources block of the template"),
        ("Resources:\n  A:\n    Type: X\n    Properties:\n      P: !GetAtt Gone.Arn\n",
         "Template error: instance of Fn::GetAtt references undefined resource Gone"),
        ("Resources:\n  A:\n    Type: X\n    Properties:\n      P: !Sub '${Gone.Arn}'\n",
         "Template format error: Unresolved resource dependencies [Gone.Arn] in the Resources block of the template"),
        ("Resources:\n  A:\n    Type: X\nOutputs:\n  O:\n    Value: !Ref Gone\n",
         "Template format error: Unresolved resource dependencies [Gone] in the Outputs block of the template"),
        ("Resources:\n  A:\n    Type: X\n    Properties:\n      P: !Ref B\n  B:\n    Type: X\n    Properties:\n      P: !GetAtt A.Arn\n",
         "Circular dependency between resources: [A, B]"),
        ("Resources:\n  A:\n    Type: X\n    DependsOn: C\n  B:\n    Type: X\n    DependsOn: A\n  C:\n    Type: X\n    DependsOn: B\n  D:\n    Type: X\n    DependsOn: C\n",
         "Circular dependency between resources: [A, B, C]"),
        ("Resources:\n  A:\n    Type: X\n    Condition: Nope\n",
         "Template format error: Unresolved condition dependencies [Nope] in the Resources block of the template"),
        ("Resources:\n  A:\n    Type: X\n    Properties:\n      P: !If [Nope, 1, 2]\n",
         "Template format error: Unresolved condition dependencies [Nope] in the Resources block of the template"),
        ("Conditions:\n  C: !Condition D\nResources:\n  A:\n    Type: X\n",
         "Template format error: Unresolved condition dependencies [D] in the Conditions block of the template"),
        ("Conditions:\n  C: !Equals [!Ref A, x]\nResources:\n  A:\n    Type: X\n",
         "Template format error: Unresolved dependencies [A]. Cannot reference resources in the Conditions block of the template"),
        ("Conditions:\n  C: !Not [!Condition D]\n  D: !Not [!Condition C]\nResources:\n  A:\n    Type: X\n",
         "Template error: Found circular condition dependency: [C, D]"),
        ("Parameters:\n  A:\n    Type: String\nResources:\n  A:\n    Type: X\n",
         "Template error: all resources and parameters must have unique names. Common name(s):[A]"),
    ];
    for (body, message) in cases {
        assert_eq!(parse_err(body), message, "for {body}");
    }
}

const PARAMS: &str = r#"
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
  Name: {Type: String, MinLength: 3, MaxLength: 5, AllowedPattern: "[a-z]+", Default: abc}
  Count: {Type: Number, MinValue: 1, MaxValue: 10, Default: 2}
  Ports: {Type: "List<Number>", Default: "80, 443"}
  Zones: {Type: CommaDelimitedList, Default: "a,b"}
  Vpc: {Type: "AWS::EC2::VPC::Id", Default: vpc-1}
  Ami: {Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /aws/ami}
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>", Default: "s-1,s-2"}
  Strict: {Type: String, AllowedPattern: "x+", ConstraintDescription: only x, Default: x}
Resources:
  A:
    Type: X
    Properties:
      Ports: !Ref Ports
      Zones: !Ref Zones
      Count: !Ref Count
      Subnets: !Ref Subnets
      Second: !Select ["1", !Ref Subnets]
"#;

#[test]
fn parameters_are_typed_and_constrained() {
    let template = Template::parse(PARAMS).unwrap();
    let resolve = |pairs: &[(&str, &str)]| {
        ParameterValues::resolve(&template, &given(pairs)).map_err(|e| e.message)
    };
    assert_eq!(
        resolve(&[]).unwrap_err(),
        "Parameters: [Env] must have values"
    );
    assert_eq!(
        resolve(&[("Env", "dev"), ("Zone", "a"), ("Area", "b")]).unwrap_err(),
        "Parameters: [Area, Zone] do not exist in the template"
    );
    let cases: [(&[(&str, &str)], &str); 9] = [
        (
            &[("Env", "test")],
            "Parameter 'Env' must be one of AllowedValues",
        ),
        (
            &[("Env", "dev"), ("Name", "ab")],
            "Parameter 'Name' must contain at least 3 characters",
        ),
        (
            &[("Env", "dev"), ("Name", "abcdef")],
            "Parameter 'Name' must contain at most 5 characters",
        ),
        (
            &[("Env", "dev"), ("Name", "AB1")],
            "Parameter 'Name' must match pattern [a-z]+",
        ),
        (
            &[("Env", "dev"), ("Count", "x")],
            "Parameter 'Count' must be a number",
        ),
        (
            &[("Env", "dev"), ("Count", "0")],
            "Parameter 'Count' must be a number not less than 1",
        ),
        (
            &[("Env", "dev"), ("Count", "11")],
            "Parameter 'Count' must be a number not greater than 10",
        ),
        (
            &[("Env", "dev"), ("Ports", "80,x")],
            "Parameter 'Ports' must be a number",
        ),
        (
            &[("Env", "dev"), ("Strict", "y")],
            "Parameter 'Strict' failed to satisfy constraint: only x",
        ),
    ];
    for (pairs, message) in cases {
        assert_eq!(resolve(pairs).unwrap_err(), message);
    }
    let stack = Instance::new(template, pseudo(), &given(&[("Env", "prod")])).unwrap();
    let props = stack.properties("A", &NoResources, &NoExports).unwrap();
    assert_eq!(
        Value::Object(props),
        json!({"Ports": ["80", "443"], "Zones": ["a", "b"], "Count": "2",
               "Subnets": ["s-1", "s-2"], "Second": "s-2"})
    );
    assert_eq!(stack.parameters().get("Ami").unwrap().value, "/aws/ami");
    assert_eq!(stack.parameters().get("Vpc").unwrap().value, "vpc-1");
}

#[test]
fn allowed_patterns_cannot_blow_up() {
    let template = |pattern: &str| {
        Template::parse(&format!(
            "Parameters:\n  P: {{Type: String, AllowedPattern: \"{pattern}\"}}\nResources:\n  A: {{Type: X}}\n"
        ))
        .unwrap()
    };
    // Nested quantifiers match in linear time: 100,000 characters are checked at once.
    let nested = template("(a+)+");
    let value = format!("{}b", "a".repeat(100_000));
    let refused = ParameterValues::resolve(&nested, &given(&[("P", &value)])).unwrap_err();
    assert!(
        refused.message.ends_with("must match pattern (a+)+"),
        "{}",
        refused.message
    );
    // A counted repetition whose program would take gigabytes is not a usable pattern.
    let huge = template("a{10000}{10000}");
    let refused = ParameterValues::resolve(&huge, &given(&[("P", "a")])).unwrap_err();
    assert_eq!(
        refused.message,
        "Parameter 'P' AllowedPattern must be a valid regular expression."
    );
}

#[test]
fn every_intrinsic_evaluates() {
    let stack = instance(
        r#"
Parameters:
  Env: {Type: String, Default: prod}
Mappings:
  Sizes:
    prod: {Memory: 1024, Names: [a, b]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Both: !And [!Condition IsProd, !Equals ["1", 1]]
  Either: !Or [!Not [!Condition IsProd], !Equals [a, b]]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      A: !Ref AWS::AccountId
      B: !Sub "${AWS::Partition}:${AWS::Region}:${AWS::StackName}:${AWS::URLSuffix}"
      C: !Ref AWS::StackId
      D: !Join ["", [!Ref Bucket, "/", !GetAtt Bucket.Arn]]
      E: !Select [2, !GetAZs us-west-2]
      F: !Split ["|", "a|b||c"]
      G: !FindInMap [Sizes, !Ref Env, Memory]
      H: !FindInMap [Sizes, prod, Names]
      I: !Base64 "hello world"
      J: !ImportValue shared-vpc
      K: !Cidr ["10.0.0.0/16", 3, 8]
      L: !If [Both, both, neither]
      M: !If [Either, either, !Ref AWS::NoValue]
      N: [1, !Ref AWS::NoValue, 2]
      O: !Ref AWS::NotificationARNs
      P: !GetAtt [Bucket, !Ref Env]
      Q: !Sub ["${A}.${Bucket.DomainName}", {A: !Join [":", [x, 5, true]]}]
      R: !Cidr ["2001:db8::/56", 2, 64]
"#,
        &[],
    );
    let mut resources = KnownResources::default();
    resources
        .physical_ids
        .insert("Bucket".into(), "my-bucket".into());
    for (attr, value) in [
        ("Arn", "arn:aws:s3:::my-bucket"),
        ("prod", "attribute-named-prod"),
        ("DomainName", "my-bucket.s3.amazonaws.com"),
    ] {
        resources
            .attributes
            .insert(("Bucket".into(), attr.into()), json!(value));
    }
    let exports = BTreeMap::from([("shared-vpc".to_string(), "vpc-123".to_string())]);
    let props = stack.properties("Fn", &resources, &exports).unwrap();
    assert_eq!(
        Value::Object(props),
        json!({
            "A": "123456789012",
            "B": "aws:us-east-1:demo:amazonaws.com",
            "C": "arn:aws:cloudformation:us-east-1:123456789012:stack/demo/1b2c",
            "D": "my-bucket/arn:aws:s3:::my-bucket",
            "E": "us-west-2c",
            "F": ["a", "b", "", "c"],
            "G": 1024,
            "H": ["a", "b"],
            "I": "aGVsbG8gd29ybGQ=",
            "J": "vpc-123",
            "K": ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"],
            "L": "both",
            "N": [1, 2],
            "O": [],
            "P": "attribute-named-prod",
            "Q": "x:5:true.my-bucket.s3.amazonaws.com",
            "R": ["2001:db8::/64", "2001:db8:0:1::/64"],
        })
    );
    assert_eq!(
        stack.graph().creation_waves(),
        vec![vec!["Bucket"], vec!["Fn"]]
    );
}

#[test]
fn evaluation_errors_use_aws_messages() {
    let body = |value: &str| {
        format!(
            "Resources:\n  B:\n    Type: X\n  A:\n    Type: X\n    Properties:\n      P: {value}\n"
        )
    };
    let err = |value: &str| {
        let stack = instance(&body(value), &[]);
        stack
            .properties("A", &NoResources, &NoExports)
            .unwrap_err()
            .message
    };
    assert_eq!(
        err("!Select [3, [a, b]]"),
        "Template error: Fn::Select cannot select nonexistent value at index 3"
    );
    assert_eq!(
        err("!FindInMap [M, k, v]"),
        "Template error: Unable to get mapping for M::k::v"
    );
    assert_eq!(err("!ImportValue nope"), "No export named nope found");
    assert_eq!(
        err("!GetAtt B.Arn"),
        "Template error: resource B does not support attribute type Arn in Fn::GetAtt"
    );
    assert_eq!(
        err("!Ref B"),
        "Template format error: Unresolved resource dependencies [B] in the Resources block of the template"
    );
    assert!(err("!Join [a]")
        .starts_with("Template error: every Fn::Join object requires two parameters"));
    assert_eq!(
        err("{\"Fn::Foo\": 1}"),
        "Template error: Encountered unsupported function: Fn::Foo"
    );
}

#[test]
fn a_live_resource_cannot_refer_to_one_whose_condition_is_false() {
    let body = r#"
Parameters:
  Make: {Type: String, Default: "no"}
Conditions:
  MakeIt: !Equals [!Ref Make, "yes"]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Condition: MakeIt
  User:
    Type: AWS::SQS::Queue
    Properties:
      Safe: !If [MakeIt, !Ref Topic, none]
  Broken:
    Type: AWS::SQS::Queue
    Properties:
      P: !Ref Topic
"#;
    let err = Instance::new(Template::parse(body).unwrap(), pseudo(), &given(&[])).unwrap_err();
    assert_eq!(
        err.message,
        "Template format error: Unresolved resource dependencies [Topic] in the Resources block of the template"
    );
    let fixed = body.replace("      P: !Ref Topic\n", "      P: x\n");
    let stack = Instance::new(Template::parse(&fixed).unwrap(), pseudo(), &given(&[])).unwrap();
    assert!(!stack.is_active("Topic"));
    assert_eq!(stack.graph().creation_waves(), vec![vec!["User", "Broken"]]);
    let with = Instance::new(
        Template::parse(&fixed).unwrap(),
        pseudo(),
        &given(&[("Make", "yes")]),
    )
    .unwrap();
    assert_eq!(
        with.graph().creation_waves(),
        vec![vec!["Topic", "Broken"], vec!["User"]]
    );
}

#[test]
fn waves_run_independent_resources_together() {
    let template = Template::parse(
        r#"{"Resources": {
            "Role": {"Type": "AWS::IAM::Role"},
            "Table": {"Type": "AWS::DynamoDB::Table"},
            "Logs": {"Type": "AWS::Logs::LogGroup"},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Env": {"Fn::Sub": "${Table}"}}},
            "Perm": {"Type": "AWS::Lambda::Permission", "DependsOn": ["Logs"], "Properties": {"FunctionName": {"Ref": "Fn"}}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Metadata": {"Uses": {"Ref": "Logs"}}}}}"#,
    )
    .unwrap();
    let graph = DependencyGraph::build(&template, None).unwrap();
    assert_eq!(
        graph.creation_waves(),
        vec![
            vec!["Role", "Table", "Logs"],
            vec!["Fn", "Bucket"],
            vec!["Perm"]
        ]
    );
    assert_eq!(
        graph.deletion_waves(),
        vec![
            vec!["Perm", "Bucket"],
            vec!["Logs", "Fn"],
            vec!["Role", "Table"]
        ]
    );
    assert_eq!(
        graph.dependencies("Fn").collect::<Vec<_>>(),
        ["Role", "Table"]
    );
    assert_eq!(
        graph.dependents("Logs").collect::<Vec<_>>(),
        ["Bucket", "Perm"]
    );
}

#[test]
fn template_errors_become_aws_errors() {
    let err: crate::error::AwsError = TemplateError::unresolved(&["X".into()], "Resources").into();
    assert_eq!(err.code, "ValidationError");
    assert_eq!(err.status, http::StatusCode::BAD_REQUEST);
    assert_eq!(
        err.message,
        "Template format error: Unresolved resource dependencies [X] in the Resources block of the template"
    );
}

#[test]
fn a_chain_of_500_resources_is_ordered_quickly() {
    let mut resources = serde_json::Map::new();
    for i in 0..500 {
        let mut decl = json!({"Type": "AWS::Logs::LogGroup"});
        if i > 0 {
            decl["Properties"] = json!({"Name": {"Fn::Sub": format!("${{R{}}}", i - 1)}});
        }
        resources.insert(format!("R{i}"), decl);
    }
    let body = json!({ "Resources": resources }).to_string();
    let started = std::time::Instant::now();
    let template = Template::parse(&body).unwrap();
    let graph = DependencyGraph::build(&template, None).unwrap();
    let waves = graph.creation_waves();
    assert_eq!(waves.len(), 500);
    assert_eq!(waves[499], ["R499"]);
    assert_eq!(graph.deletion_waves()[0], ["R499"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let cyclic = body.replacen(
        r#""R0":{"Type":"AWS::Logs::LogGroup"}"#,
        r#""R0":{"Type":"AWS::Logs::LogGroup","DependsOn":"R2"}"#,
        1,
    );
    assert_eq!(
        Template::parse(&cyclic).unwrap_err().message,
        "Circular dependency between resources: [R0, R1, R2]"
    );
}
