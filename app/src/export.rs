//! Orders as CSV for spreadsheet apps: UTF-8 with a byte-order mark (so Excel reads Chinese
//! correctly), CRLF line ends, order numbers kept as text, and cells that a spreadsheet would take
//! for a formula neutralised (text members typed could otherwise run as one).

use crate::i18n::Lang;
use domain::model::Order;
use domain::time::format_local;

/// A cell a member or owner typed: a leading `=`, `+`, `-` or `@` would be read as a formula.
fn text_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The whole file for `orders`: `orders_csv_head` and `orders_csv_rows`.
pub fn orders_csv(orders: &[Order], lang: Lang) -> Result<Vec<u8>, csv::Error> {
    let mut out = orders_csv_head(lang)?;
    out.extend(orders_csv_rows(orders, lang)?);
    Ok(out)
}

/// The start of the file: the byte-order mark and the header row.
pub fn orders_csv_head(lang: Lang) -> Result<Vec<u8>, csv::Error> {
    let zh = lang == Lang::Zh;
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        let head: [&str; 12] = if zh {
            ["订单号", "下单时间", "状态", "买家", "商品", "数量", "商品金额", "运费", "实付", "已退款", "收货", "备注"]
        } else {
            [
                "Order",
                "Placed",
                "Status",
                "Buyer",
                "Items",
                "Quantity",
                "Goods",
                "Shipping",
                "Total",
                "Refunded",
                "Deliver to",
                "Note",
            ]
        };
        w.write_record(head)?;
        w.flush()?;
    }
    Ok(out)
}

/// One row per order, to follow the head (a long export is written a page at a time).
pub fn orders_csv_rows(orders: &[Order], lang: Lang) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::new();
    {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        for o in orders {
            let items: Vec<String> = o
                .lines
                .iter()
                .map(|l| {
                    if l.spec.is_empty() {
                        format!("{}×{}", l.title, l.quantity)
                    } else {
                        format!("{}（{}）×{}", l.title, l.spec, l.quantity)
                    }
                })
                .collect();
            let quantity: i64 = o.lines.iter().map(|l| l.quantity).sum();
            w.write_record([
                // As a formula returning text, so a 19-digit number is not rounded.
                format!("=\"{}\"", o.id),
                format_local(o.created_at, &o.time_zone),
                lang.status(o.status).to_string(),
                text_cell(&o.buyer_name),
                text_cell(&items.join("；")),
                quantity.to_string(),
                o.goods.number(),
                o.shipping.number(),
                o.total.number(),
                o.refunded.number(),
                text_cell(&o.ship_to),
                text_cell(&o.note),
            ])?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// A community's commissions: order, who earned, who bought, depth, base, amount, reversed, status.
pub fn commissions_csv(
    rows: &[domain::model::distribution::CommissionRow],
    zone: &str,
    lang: Lang,
) -> Result<Vec<u8>, csv::Error> {
    let zh = lang == Lang::Zh;
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        let head: [&str; 10] = if zh {
            ["订单号", "时间", "分销员", "买家", "层级", "计佣金额", "佣金", "已扣回", "状态", "结算时间"]
        } else {
            ["Order", "Time", "Distributor", "Buyer", "Level", "Base", "Commission", "Reversed", "Status", "Settles"]
        };
        w.write_record(head)?;
        for r in rows {
            w.write_record([
                format!("=\"{}\"", r.order_id),
                format_local(r.created_at, zone),
                text_cell(&r.beneficiary),
                text_cell(&r.buyer),
                r.depth.to_string(),
                r.base.number(),
                r.amount.number(),
                r.reversed.number(),
                lang.commission_status(r.status).to_string(),
                r.settle_at.map(|t| format_local(t, zone)).unwrap_or_default(),
            ])?;
        }
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::checkout::Delivery;
    use domain::model::OrderLine;
    use domain::money::Fen;
    use domain::order::OrderStatus;

    fn order() -> Order {
        Order {
            id: 251389290741764096,
            community_id: 1,
            community_name: "雪山三文鱼吃货群".into(),
            community_slug: "salmon".into(),
            time_zone: "Asia/Shanghai".into(),
            buyer_id: 2,
            buyer_name: "=HYPERLINK(\"x\")".into(),
            status: OrderStatus::Paid,
            goods: Fen(7000),
            shipping: Fen(1200),
            discount: Fen::ZERO,
            total: Fen(8200),
            created_at: 1_795_586_700_000,
            pay_deadline: 0,
            paid_at: None,
            shipped_at: None,
            completed_at: None,
            cancelled_at: None,
            carrier: None,
            tracking_no: None,
            refunded: Fen::ZERO,
            delivery: Delivery::Ship,
            ship_to: "阿梅 13800138000 浙江省杭州市西湖区 文三路 1 号".into(),
            note: "周五, 送到\"门口\"".into(),
            team_id: None,
            lines: vec![OrderLine {
                id: 1,
                product_id: 1,
                sku_id: 1,
                title: "雪山三文鱼".into(),
                spec: "2斤".into(),
                image: "salmon".into(),
                unit: "份".into(),
                unit_price: Fen(3500),
                quantity: 2,
                amount: Fen(7000),
            }],
            events: vec![],
            refunds: vec![],
        }
    }

    #[test]
    fn spreadsheets_read_it_as_written() {
        let bytes = orders_csv(&[order()], Lang::Zh).unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 byte-order mark");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let mut lines = text.split("\r\n");
        assert!(lines.next().unwrap().starts_with("订单号,下单时间,状态"));
        let row = lines.next().unwrap();
        assert!(row.starts_with("\"=\"\"251389290741764096\"\"\",2026-11-25 14:05,已支付,"), "{row}");
        assert!(row.contains("'=HYPERLINK"), "formula neutralised: {row}");
        assert!(row.contains("雪山三文鱼（2斤）×2,2,70.00,12.00,82.00,0.00"), "{row}");
        assert!(row.ends_with("\"周五, 送到\"\"门口\"\"\""), "quoted: {row}");
    }

    #[test]
    fn commissions_export_with_their_status() {
        use domain::model::distribution::CommissionRow;
        let row = CommissionRow {
            id: 1,
            order_id: 251389290741764096,
            beneficiary: "阿梅".into(),
            buyer: "-1+1".into(),
            depth: 1,
            base: Fen(3500),
            amount: Fen(350),
            reversed: Fen(175),
            status: domain::referral::CommissionStatus::Frozen,
            created_at: 1_795_586_700_000,
            settle_at: Some(1_795_586_700_000 + 7 * 86_400_000),
        };
        let bytes = commissions_csv(&[row], "Asia/Shanghai", Lang::Zh).unwrap();
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let line = text.split("\r\n").nth(1).unwrap();
        assert!(line.contains(",阿梅,'-1+1,1,35.00,3.50,1.75,冻结中,2026-12-02 14:05"), "{line}");
    }
}
