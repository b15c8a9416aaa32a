//! The examples at the foot of each command's `--help`: real command lines, one job each.
//! (`tests/cli/habits.rs` checks that every subcommand has some.)

pub(super) const KEYGEN: &str = "\
Examples:
  yinzheng keygen --out agency.pem --password-file agency.password
  yinzheng keygen --alg p256 --out phone.pem
  yinzheng keygen --alg sm2 --out signer.pem          (feature gm)
  yinzheng keygen --out import-me.pem --allow-unencrypted";

pub(super) const ISSUE: &str = "\
Examples:
  yinzheng issue -k agency.pem --agency-name 某局 --agency-uscc 11220000013544541J \\
      -r licence.json -o licence.cbor --log audit/ --log-key log.pem
  yinzheng issue --config /etc/yinzheng/agency.toml -r requests/ -o issued/ --batch 500
  yinzheng issue -k 'pkcs11:token=agency;object=issuing?module-path=/usr/lib/softhsm/libsofthsm2.so' \\
      --agency-name 某局 --agency-uscc 11220000013544541J --seal seal.cose -r licence.toml -o licence.cbor";

pub(super) const PRESENT: &str = "\
Examples:
  yinzheng present --certificate resident.cbor --device-key phone.pem --reveal age_over_18 --qr terminal
  yinzheng present --certificate resident.cbor --device-key phone.pem --reveal 出生日期,住址 \\
      --nonce 00112233 --audience 前台 -o shown.cbor --qr svg --qr-out shown.svg";

pub(super) const QR: &str = "\
Examples:
  yinzheng qr -i licence.cbor --qr terminal
  yinzheng qr --text 'YZ2:...' --qr png --qr-out code.png --level q";

pub(super) const STAMP: &str = "\
Examples:
  yinzheng stamp --seal seal.cose -k agency.pem --document contract.pdf -o contract.stamp
  yinzheng stamp --seal seal.cose -k agency.pem --document notice.pdf --property 第1页 \\
      -o notice.stamp --log audit/ --log-key log.pem
  yinzheng stamp ofd -i notice.ofd --seal seal.esl -k signer.pem --cert signer.crt -o stamped.ofd   (feature gm)";

pub(super) const STAMP_OFD: &str = "\
Examples:
  yinzheng stamp ofd -i notice.ofd --seal seal.esl -k signer.pem --cert signer.crt -o stamped.ofd
  yinzheng stamp ofd -i stamped.ofd -k signer.pem --cert signer.crt -o signed-twice.ofd";

pub(super) const LICENCE: &str = "\
Example:
  yinzheng licence -t trust.json --certificate licence.cbor -o licence.ofd
  yinzheng stamp ofd -i licence.ofd --seal seal.esl -k signer.pem --cert signer.crt -o licence-stamped.ofd";

pub(super) const SEAL_MAKE: &str = "\
Examples:
  yinzheng seal make --maker-key maker.pem --id 2200000000000001 --kind 1 --name 某局电子公章 \\
      --owner-name 某局 --owner-uscc 11220000013544541J --authorise agency.pub \\
      --picture seal.svg -o seal.cose --log audit/ --log-key log.pem
  yinzheng seal make --gm --maker-key maker.pem --maker-cert maker.crt --signer-cert signer.crt \\
      --id 22010000000000000001 --name 某局业务专用章 --picture seal.png -o seal.esl   (feature gm)";

pub(super) const STATUS_SET: &str = "\
Examples:
  yinzheng status set --status-journal status.journal --status-prefix https://status.example/jl/ \\
      --certificate 1.2.156.3005.2.… --status revoked --operator op-7 --log audit/ --log-key log.pem
  yinzheng --config /etc/yinzheng/agency.toml status set --certificate 1.2.156.3005.2.… \\
      --status suspended --operator op-7 --wait-lock 5";

pub(super) const STATUS_PUBLISH: &str = "\
Examples:
  yinzheng status publish --status-journal status.journal --status-prefix https://status.example/jl/ \\
      -k agency.pem --out-dir lists/ --ttl 3600
  yinzheng --config /etc/yinzheng/agency.toml status publish --out-dir /srv/www/status/";

pub(super) const BUNDLE_MAKE: &str = "\
Example:
  yinzheng bundle make --publisher-key publisher.pem --name 某省政务服务局 -t trust.json \\
      --seal seal.cose --status-list lists/list-0.cwt --days 7 -o trust.bundle";

pub(super) const BUNDLE_VERIFY: &str = "\
Examples:
  yinzheng bundle verify -i trust.bundle --publisher publisher.pub
  yinzheng bundle verify -i trust.bundle --publisher 3b6a27bc… --json";

pub(super) const LOG_APPEND: &str = "\
Example:
  yinzheng log append --log audit/ --log-key log.pem --origin audit.example/jl \\
      --kind key --subject agency-key-2026 --object agency.pub";

pub(super) const LOG_VKEY: &str = "\
Example:
  yinzheng log vkey --log audit/ --log-key log.pem --origin audit.example/jl > log.vkey";

pub(super) const LOG_VERIFY: &str = "\
Examples:
  yinzheng log verify --log audit/ --origin audit.example/jl --vkey \"$(cat log.vkey)\"
  yinzheng log verify --log /backup/audit --origin audit.example/jl --vkey \"$(cat log.vkey)\" --full";

pub(super) const LOG_PROVE: &str = "\
Examples:
  yinzheng log prove --log audit/ --log-key log.pem --origin audit.example/jl --index 41 > entry-41.proof
  yinzheng log prove --log /copy/audit --vkey \"$(cat log.vkey)\" --origin audit.example/jl --index 41";

pub(super) const LOG_CHECKPOINT: &str = "\
Example:
  yinzheng log checkpoint --log /copy/audit --vkey \"$(cat log.vkey)\" --origin audit.example/jl > held.note";

pub(super) const LOG_CHECK_CHECKPOINT: &str = "\
Example:
  yinzheng log check-checkpoint --checkpoint held.note --origin audit.example/jl --vkey \"$(cat log.vkey)\"";

pub(super) const LOG_CHECK_CONSISTENCY: &str = "\
Example:
  yinzheng log check-consistency --held held.note --bundle newer.txt --origin audit.example/jl \\
      --vkey \"$(cat log.vkey)\"        (exit 11: the log shows two histories)";

pub(super) const LOG_CHECK_PROOF: &str = "\
Example:
  yinzheng log check-proof --bundle entry-41.proof --origin audit.example/jl --vkey \"$(cat log.vkey)\"";

pub(super) const LOG_CONSISTENCY: &str = "\
Example:
  yinzheng log consistency --log audit/ --log-key log.pem --origin audit.example/jl --old-size 40 > newer.txt";

pub(super) const LOG_PUBLISH: &str = "\
Example:
  yinzheng log publish --log audit/ --log-key log.pem --origin audit.example/jl --tiles /srv/www/log/";

pub(super) const LOG_VERIFY_TILES: &str = "\
Examples:
  yinzheng log verify-tiles --tiles mirror/ --origin audit.example/jl --vkey \"$(cat log.vkey)\"
  yinzheng log verify-tiles --tiles mirror/ --origin audit.example/jl --vkey \"$(cat log.vkey)\" --index 41";

pub(super) const LOG_ATTACH_COSIGNATURES: &str = "\
Example:
  yinzheng log attach-cosignatures --checkpoint audit/checkpoint --witness \"$(cat witness.vkey)\" \\
      --response response.txt";

pub(super) const LOG_CHECK_WITNESSED: &str = "\
Example:
  yinzheng log check-witnessed --checkpoint held.note --origin audit.example/jl --vkey \"$(cat log.vkey)\" \\
      --witness \"$(cat sh.vkey)\" --witness \"$(cat zj.vkey)\" --witness \"$(cat gd.vkey)\" --quorum 2";

pub(super) const WITNESS_INIT: &str = "\
Example:
  yinzheng witness init --state witness.state          (once; a missing state is an error after)";

pub(super) const WITNESS_VKEY: &str = "\
Example:
  yinzheng witness vkey --key witness.pem --name witness.sh.example.gov.cn > witness.vkey";

pub(super) const WITNESS_ADD_CHECKPOINT: &str = "\
Example:
  yinzheng witness add-checkpoint --key witness.pem --name witness.sh.example.gov.cn \\
      --log-vkey \"$(cat jl-log.vkey)\" --state witness.state --request request.txt > response.txt";
