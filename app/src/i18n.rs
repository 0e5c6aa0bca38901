//! The message catalogue. Every user-visible string lives here, in zh-CN (default) and
//! English; a view asks for `t().key` or a formatting method and never spells text itself.
//! The macro makes a missing translation a compile error.

use crate::error::AppError;
use domain::money::Fen;
use domain::order::{OrderStatus, RefundStatus};
use domain::referral::{CommissionStatus, DistributorStatus, WithdrawalStatus};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_code(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first supported language in an `Accept-Language` header, by preference order.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut prefs: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let lang = Lang::from_code(it.next()?)?;
                let q = it.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse().ok()).unwrap_or(1.0);
                Some((q, lang))
            })
            .collect();
        prefs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        prefs.first().map(|p| p.1)
    }

    pub fn t(self) -> &'static Msg {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

macro_rules! catalogue {
    ($($key:ident: $zh:expr, $en:expr;)*) => {
        pub struct Msg { $(pub $key: &'static str,)* }
        pub static ZH: Msg = Msg { $($key: $zh,)* };
        pub static EN: Msg = Msg { $($key: $en,)* };
    };
}

catalogue! {
    app_name: "群里", "Qunli";
    tagline: "社群里的好物，朋友间的团购", "Good things from the communities you trust";
    tab_home: "首页", "Home";
    tab_communities: "社群", "Communities";
    tab_orders: "订单", "Orders";
    tab_me: "我的", "Me";
    main_nav: "主导航", "Main navigation";
    back: "返回", "Back";

    home_joined: "我加入的社群", "Your communities";
    home_discover: "发现社群", "Discover communities";
    home_popular: "热卖好物", "Popular now";
    home_join_hint: "加入社群，第一时间看到群主上新。", "Join a community to see what its owner offers first.";
    browse_communities: "去逛逛社群", "Browse communities";
    communities_title: "全部社群", "All communities";
    no_communities: "还没有社群。", "No communities yet.";

    join: "加入社群", "Join";
    joined: "已加入", "Joined";
    leave: "退出社群", "Leave";
    owner_label: "群主", "Owner";
    manage_community: "管理社群", "Manage";
    products_title: "商品", "Products";
    no_products: "群主还没有上架商品。", "The owner has not put anything on sale yet.";
    community_private_note: "加入后即可购买群内商品。", "Members can buy from this community.";

    buy_now: "立即购买", "Buy now";
    sold_out: "已售罄", "Sold out";
    off_sale: "已下架", "No longer on sale";
    draft_notice: "草稿：只有群主能看到这个商品。", "Draft: only the owner can see this product.";
    product_details: "商品详情", "Details";
    from_community: "来自社群", "From the community";
    enter_community: "进店", "Visit";
    community_icon: "社群", "Community";
    original_price_label: "原价", "Was";
    price_label: "售价", "Price";
    price_from: "起", "from";
    spec_label: "规格", "Options";
    spec_section: "规格（可不填）", "Options (optional)";
    spec_hint: "例如 重量：1斤, 2斤, 5斤。每种组合可以单独定价、设库存。", "E.g. Weight: 1 jin, 2 jin, 5 jin. Each combination gets its own price and stock.";
    spec1_name_label: "规格名", "Option name";
    spec1_values_label: "规格值（用逗号分开）", "Values (comma separated)";
    spec2_name_label: "第二个规格名", "Second option name";
    spec2_values_label: "第二个规格值", "Second option values";
    defaults_hint: "有规格时，这里的售价、划线价和库存是新规格的初始值；保存后在规格表里逐个修改。", "With options, price and stock here start each new combination; adjust each one in the table after saving.";
    sku_table_title: "规格价格与库存", "Price and stock per option";
    code_label: "编码", "Code";
    member_limit_label: "每人限购（0 为不限）", "Limit per member (0: none)";

    confirm_order: "确认订单", "Confirm order";
    quantity: "数量", "Quantity";
    decrease: "减少", "Less";
    increase: "增加", "More";
    unit_price: "单价", "Unit price";
    goods_amount: "商品金额", "Goods";
    shipping_amount: "运费", "Shipping";
    free_shipping: "包邮", "Free";
    delivery_label: "收货方式", "Delivery";
    add_address: "新增收货地址", "Add an address";
    addresses_title: "收货地址", "Addresses";
    no_addresses: "还没有收货地址。", "No addresses yet.";
    recipient_label: "收件人", "Recipient";
    recipient_phone_label: "手机号", "Mobile number";
    region_label: "所在地区", "Region";
    region_placeholder: "省 市 区，如 浙江省杭州市西湖区", "Province, city, district";
    detail_label: "详细地址", "Street address";
    make_default_label: "设为默认地址", "Make this the default";
    default_badge: "默认", "Default";
    set_default: "设为默认", "Make default";
    remove: "删除", "Remove";
    note_label: "订单备注（可不填）", "Note for the owner (optional)";
    shipping_settings: "运费与自提", "Shipping and pickup";
    shipping_fee_label: "运费（元，0 为包邮）", "Shipping fee (yuan, 0 for free)";
    free_over_label: "满多少元包邮（可不填）", "Free shipping from (yuan, optional)";
    pickup_label: "自提点（可不填）", "Pickup point (optional)";
    pickup_placeholder: "如 雪山牧场门店，周六 10:00–18:00", "e.g. the farm shop, Saturdays 10–18";
    delivery_ship: "快递到", "Ship to";
    delivery_pickup: "到店自提", "Pick up at";
    total: "合计", "Total";
    submit_and_pay: "提交订单", "Place order";
    pay_rule: "提交后请在 15 分钟内完成支付，超时订单自动取消、库存释放。金额由服务器按当前售价计算。", "Pay within 15 minutes of placing the order, or it is cancelled and the stock released. The amount is computed by the server from the current price.";

    sandbox_badge: "沙箱支付", "Sandbox payment";
    sandbox_note: "测试环境：不会扣除任何真实款项。", "Test mode: no real money moves.";
    merchant: "收款方", "Pay to";
    amount_due: "支付金额", "Amount";
    pay_now: "确认支付", "Pay";
    not_now: "暂不支付", "Not now";
    order_not_payable: "这个订单已不需要支付。", "This order no longer needs paying.";

    orders_title: "我的订单", "My orders";
    no_orders: "还没有订单，去社群里看看吧。", "No orders yet. Have a look around the communities.";
    go_shopping: "去逛逛", "Start browsing";
    order_no: "订单号", "Order no.";
    order_title: "订单详情", "Order";
    paid_total: "实付", "Paid";
    due_total: "应付", "Due";
    created_at: "下单时间", "Placed";
    paid_at: "支付时间", "Paid at";
    timeline: "订单进度", "Timeline";
    go_pay: "去支付", "Pay now";
    view_order: "查看订单", "View order";
    buy_again: "再买一单", "Buy again";
    paid_thanks: "支付成功，群主会尽快发货。", "Payment received. The owner will ship soon.";
    cancel_order: "取消订单", "Cancel order";
    cancelled_note: "订单已取消，库存已退回。", "The order was cancelled and its stock released.";
    confirm_receipt: "确认收货", "Confirm receipt";
    ship: "发货", "Ship";
    ship_title: "填写物流信息", "Shipping details";
    carrier_label: "快递公司", "Carrier";
    carrier_placeholder: "如 顺丰速运", "e.g. SF Express";
    tracking_label: "运单号", "Tracking number";
    shipment_title: "物流信息", "Shipment";
    refunded_label: "已退款", "Refunded";
    late_refund_note: "付款在订单取消后才到账，款项已原路退回。", "The payment arrived after the order was cancelled, so it was returned.";
    actor_buyer: "买家", "Buyer";
    actor_owner: "群主", "Owner";
    actor_system: "系统", "System";
    actor_sandbox: "沙箱支付", "Sandbox payment";

    me_title: "我的", "Me";
    sign_in: "登录", "Sign in";
    sign_up: "注册", "Sign up";
    sign_out: "退出登录", "Sign out";
    security_title: "账号与安全", "Account and security";
    play_money_banner: "沙箱支付已开启：用它付的款是模拟的，不是真钱，相关佣金不能提现。正式收款前请设置 QUNLI_SANDBOX=off。", "The sandbox cashier is on: what it takes is play money, and commissions on it cannot be withdrawn. Set QUNLI_SANDBOX=off before taking real money.";
    change_password: "修改密码", "Change password";
    change_password_hint: "修改后，其他手机和电脑上的登录都会退出，这台设备保持登录。", "Every other phone and computer is signed out; this one stays signed in.";
    current_password_label: "当前密码", "Current password";
    new_password_label: "新密码（至少 8 位）", "New password (at least 8 characters)";
    password_changed_notice: "密码已修改，其他设备已退出登录。", "Password changed. Other devices are signed out.";
    sign_out_everywhere: "退出所有设备", "Sign out everywhere";
    sign_out_everywhere_hint: "手机丢了或在别人的电脑上登录过？在所有设备上退出登录，包括这一台。", "Lost a phone or signed in on someone else's computer? Sign out on every device, this one included.";
    visitor: "未登录", "Not signed in";
    visitor_hint: "登录后可加入社群、下单购买。", "Sign in to join communities and buy.";
    all_orders: "全部订单", "All orders";
    to_pay: "待付款", "To pay";
    to_ship: "待发货", "To ship";
    to_receive: "待收货", "Shipped";
    owner_console: "群主后台", "Owner console";
    settings: "设置", "Settings";
    language: "语言", "Language";
    lang_zh: "简体中文", "简体中文";
    lang_en: "English", "English";
    save_language: "切换", "Switch";

    signup_title: "注册群里", "Create your account";
    signin_title: "登录群里", "Sign in to Qunli";
    signup_lead: "用手机号或邮箱注册，一步完成。", "One step: a phone number or e-mail and a password.";
    account_label: "手机号或邮箱", "Phone or e-mail";
    account_placeholder: "11 位手机号或邮箱", "Mobile number or e-mail";
    password_label: "密码", "Password";
    password_placeholder: "至少 8 位", "At least 8 characters";
    nickname_label: "昵称（可不填）", "Name (optional)";
    signup_submit: "注册并继续", "Sign up and continue";
    signin_submit: "登录", "Sign in";
    have_account: "已有账号？去登录", "Have an account? Sign in";
    no_account: "还没有账号？去注册", "New here? Sign up";
    form_error_title: "请检查下面标出的内容。", "Please check the highlighted fields.";

    console_title: "群主后台", "Owner console";
    my_communities: "我的社群", "My communities";
    console_empty: "你还没有社群。创建一个，开始上架商品。", "You have no community yet. Create one and start selling.";
    new_community: "创建社群", "Create a community";
    edit_community: "社群设置", "Community settings";
    community_name: "社群名称", "Name";
    slug_label: "社群地址", "Address";
    slug_hint: "小写字母、数字和短横线，例如 salmon-lovers", "Lower-case letters, digits and dashes, e.g. salmon-lovers";
    time_zone_label: "时区（活动时间、报表按此计算）", "Time zone (for activity times and reports)";
    intro_label: "简介", "Introduction";
    cover_label: "封面", "Cover";
    save: "保存", "Save";
    saved: "已保存。", "Saved.";
    created: "已创建。", "Created.";
    added_to_cart: "已加入购物车。", "Added to the cart.";
    refund_requested_notice: "已提交退款申请，等待群主处理。", "Refund requested; the owner will decide.";
    request_refund: "申请退款", "Ask for a refund";
    refund_amount_label: "退款金额（元）", "Amount (yuan)";
    refund_reason_label: "退款原因", "Reason";
    refund_rule: "钱会原路退回到付款账户。同一订单一次只能有一个退款申请，群主处理后可以再申请。", "Money goes back the way it was paid. One request per order at a time; you can ask again once it is decided.";
    refunds_title: "退款记录", "Refunds";
    refund_requested: "待处理", "Waiting";
    refund_approved: "退款中", "Being paid back";
    refund_rejected: "已拒绝", "Declined";
    refund_refunded: "已退款", "Refunded";
    approve_refund: "同意退款", "Approve";
    reject_refund: "拒绝", "Decline";
    decision_note_label: "拒绝原因", "Why not";
    console_refunds: "售后", "Refunds";
    photos_title: "商品照片", "Photos";
    move_up: "上移", "Move up";
    move_down: "下移", "Move down";
    photo_alt: "商品照片", "Product photo";
    upload_photo: "上传照片", "Upload a photo";
    upload_hint: "JPEG、PNG、WebP 或 GIF，10 MB 以内；会裁成正方形。", "JPEG, PNG, WebP or GIF up to 10 MB; cropped to a square.";
    search: "搜索", "Search";
    search_orders: "搜索订单", "Search orders";
    search_orders_placeholder: "订单号、手机号、买家或地址", "Order no., phone, buyer or address";
    export_csv: "导出 CSV", "Export CSV";
    no_refunds: "没有待处理的退款申请。", "No refund requests waiting.";
    notifications_title: "消息", "Notifications";
    no_notifications: "暂时没有消息。", "No notifications yet.";
    unread_label: "条未读", "unread";
    late_payment_refund: "迟到付款自动退回", "Late payment returned";
    cart_title: "购物车", "Cart";
    cart_empty: "购物车是空的，去社群里逛逛吧。", "The cart is empty. Have a look around the communities.";
    add_to_cart: "加入购物车", "Add to cart";
    update: "更新", "Update";
    go_checkout: "去结算", "Check out";
    checkout_title: "确认订单", "Confirm order";
    left_out_note: "有商品暂时不能购买，已留在购物车。", "Some items cannot be bought right now and stay in the cart.";
    state_off_sale: "已下架", "No longer on sale";
    grand_total: "共需支付", "Total to pay";
    pickup_note: "选择自提的订单免运费。", "Orders picked up pay no shipping.";
    other_orders: "同一次结算的其他订单", "Other orders from this checkout";
    sign_in_to_checkout: "登录后结算", "Sign in to check out";
    console_products: "商品管理", "Products";
    new_product: "上架新商品", "Add a product";
    edit_product: "编辑商品", "Edit product";
    edit: "编辑", "Edit";
    title_label: "商品名称", "Title";
    description_label: "商品描述（支持 Markdown）", "Description (Markdown)";
    unit_label: "单位", "Unit";
    unit_hint: "如 斤、盒、份，可不填", "e.g. jin, box, portion; optional";
    image_label: "商品图", "Picture";
    price_input: "售价（元）", "Price (yuan)";
    original_input: "划线价（元，可不填）", "Original price (yuan, optional)";
    stock_label: "库存", "Stock";
    limit_label: "每单限购", "Limit per order";
    status_label: "状态", "Status";
    status_draft: "草稿", "Draft";
    status_on_sale: "在售", "On sale";
    status_off_sale: "已下架", "Off sale";
    console_orders: "订单", "Orders";
    no_owner_orders: "还没有订单。", "No orders yet.";
    buyer_label: "买家", "Buyer";
    view_community_page: "查看社群页", "View community page";
    console_menu: "后台菜单", "Console menu";

    not_found_title: "没有找到这个页面", "Page not found";
    not_found_body: "链接可能已失效，或内容已被删除。", "The link may be out of date, or the page was removed.";
    back_home: "回首页", "Back to home";
    error_title: "出了点问题", "Something went wrong";

    status_pending_payment: "待付款", "Awaiting payment";
    status_awaiting_team: "待成团", "Waiting for team";
    group_buy: "拼团", "Group buy";
    home_teams: "快成团了，差你一个", "Teams about to fill";
    team_failed_refund: "拼团未成团，货款原路退回", "The team did not fill; paid back";
    team_ladder_refund: "团里人更多，退回阶梯差价", "The team grew; the ladder difference paid back";
    awaiting_team_note: "等待成团：凑满人数后发货；到时间没凑满，货款自动原路退回。", "Waiting for the team: it ships once the team fills; if time runs out first, you are refunded automatically.";
    console_group: "拼团", "Group buys";
    console_distribution: "分销", "Distribution";
    promote_title: "我的推广", "My referrals";
    distributor: "推广员", "Distributor";
    application_waiting: "申请已提交，等群主审核。", "Application sent; the owner will review it.";
    application_rejected: "上次的申请没有通过，可以补充后再申请。", "Your last application was declined; you can apply again.";
    programme_off: "这个社群还没有开启分销。", "This community has no referral programme.";
    apply_title: "申请成为推广员", "Apply to become a distributor";
    application_label: "介绍一下自己（比如你在哪些群里分享）", "About you (e.g. where you share)";
    application_hint: "2 到 200 个字，群主会看到。", "2 to 200 characters; the owner reads it.";
    apply_submit: "提交申请", "Apply";
    my_code: "我的推广码", "My code";
    share_link: "分享我的推广链接", "Share my link";
    my_earnings: "我的佣金", "My earnings";
    balance_available: "可提现", "Withdrawable";
    balance_pending: "待结算", "Pending";
    balance_frozen: "冻结中", "Held";
    balance_withdrawing: "提现中", "Being withdrawn";
    withdraw_amount: "提现金额（元）", "Amount (yuan)";
    withdraw_hint: "每次至少 ¥10.00，只能提已结算的佣金；群主审核后打款。", "At least ¥10.00, from settled commission only; the owner pays it out.";
    withdraw_submit: "申请提现", "Withdraw";
    withdrawal_requested_notice: "提现申请已提交，等群主打款。", "Withdrawal requested; the owner will pay it out.";
    withdrawal_fee_label: "手续费", "Fee";
    payout_label: "实付", "Paid out";
    my_team: "我的团队", "My team";
    leaderboard_title: "推广排行榜", "Leaderboard";
    leaderboard_empty: "还没有人拿到佣金，来做第一个吧。", "Nobody has earned yet. Be the first.";
    share_products: "分享商品赚佣金", "Share a product";
    poster: "海报", "Poster";
    credited_orders: "推广订单", "Referred orders";
    no_credited_orders: "还没有通过你的链接下单的订单。", "No orders through your link yet.";
    reversed_label: "已扣回", "Taken back";
    withdrawal_history: "提现记录", "Withdrawals";
    no_withdrawals: "还没有提现记录。", "No withdrawals yet.";
    no_programmes: "你加入的社群还没有开启分销。", "None of your communities runs a referral programme.";
    programme_title: "分销设置", "Programme";
    distributors_title: "推广员", "Distributors";
    commissions_title: "佣金明细", "Commissions";
    withdrawals_title: "提现审核", "Withdrawals";
    programme_not_saved: "还没有开启分销：下面是建议的设置，保存后生效。", "No programme yet: these are suggested settings; save to start.";
    programme_enabled: "开启分销", "Programme on";
    join_mode_label: "谁能成为推广员", "Who can distribute";
    join_open: "所有成员", "Every member";
    join_application: "申请后由群主审核", "By application";
    join_spend: "消费满一定金额后", "After spending";
    spend_threshold_label: "消费门槛（元，选“消费满”时填）", "Spending threshold (yuan)";
    bind_mode_label: "推荐关系怎么绑定", "How referrals bind";
    bind_window: "有效期内不变，过期后可换绑", "Kept for a period, then re-bindable";
    bind_first: "首次推荐永久有效", "First referrer, for good";
    bind_last: "以最近一次推荐为准", "Latest referrer wins";
    bind_new: "只绑定新成员", "New members only";
    bind_days_label: "换绑期（天）", "Re-binding after (days)";
    rates_label: "佣金比例（%）", "Commission rates (%)";
    rates_hint: "按层级填写，空着表示不发；各级加起来不超过 50%。", "Fill in by level; empty pays nothing; together at most 50 %.";
    rate1_label: "直接推荐", "Level 1";
    rate2_label: "二级", "Level 2";
    rate3_label: "三级", "Level 3";
    levels_label: "推广员等级", "Levels";
    levels_hint: "名字:直推业绩门槛（元），如 铜牌:0, 银牌:500。达到自动升级，不会自动降级。", "Name:direct sales threshold (yuan), e.g. Bronze:0, Silver:500. Upgrades are automatic, never downgrades.";
    daily_cap_label: "每人每日佣金上限（元，可不填）", "Daily cap per distributor (yuan, optional)";
    pays_group_buy: "拼团订单也发佣金", "Group-buy orders earn commission";
    pays_discounted: "优惠订单也发佣金", "Discounted orders earn commission";
    freeze_days_label: "确认收货后冻结天数", "Days held after completion";
    freeze_days_hint: "7 到 90 天，不短于退款期；到期自动结算为可提现。", "7 to 90 days, never shorter than the refund window; then it becomes withdrawable.";
    overrides_title: "单品佣金", "Per-product commission";
    overrides_hint: "填固定金额（如 3.50）或比例（如 12%）替换直接推荐的佣金；空着按通用比例。", "An amount (3.50) or a rate (12%) replaces the level-1 commission; empty uses the rates above.";
    override_label: "单品佣金", "Product commission";
    override_placeholder: "如 3.50 或 12%", "e.g. 3.50 or 12%";
    no_distributors: "还没有推广员。", "No distributors yet.";
    approve: "通过", "Approve";
    reject: "拒绝", "Decline";
    all: "全部", "All";
    more: "更多", "More";
    on_this_page: "本页", "On this page";
    commission_pending: "待结算", "Pending";
    commission_frozen: "冻结中", "Held";
    commission_settled: "已结算", "Settled";
    commission_reversed: "已退回", "Reversed";
    no_commissions: "还没有佣金。", "No commissions yet.";
    time_label: "时间", "Time";
    depth_label: "层级", "Level";
    commission_label: "佣金", "Commission";
    withdrawal_note_label: "备注（拒绝时必填）", "Note (required to decline)";
    mark_paid: "已打款", "Mark paid";
    withdrawal_pending: "待审核", "Waiting";
    withdrawal_paid: "已打款", "Paid out";
    withdrawal_rejected: "未通过", "Declined";
    start_activity_on: "在这个商品上开拼团", "Start a group buy on it";
    buy_alone: "单独购买", "Buy alone";
    start_team: "发起拼团", "Start a team";
    join_team: "参加这个团", "Join this team";
    open_teams_title: "正在拼团，可直接参加", "Open teams you can join";
    no_open_teams: "还没有人开团，来做第一个团长吧。", "No open teams yet. Start the first one.";
    go_join: "去参团", "Join";
    my_team_link: "查看我的团", "See my team";
    team_title: "拼团详情", "Team";
    team_open: "拼团中", "Gathering";
    team_formed_more: "已成团，人越多越便宜", "Complete; more people, lower price";
    team_pending: "等待团长付款", "Waiting for the leader to pay";
    team_succeeded: "拼团成功", "Team complete";
    team_failed: "未成团，已原路退款", "Did not fill; refunded";
    leader_badge: "团长", "Leader";
    seat_empty: "待加入", "Open seat";
    seat_paying: "付款中", "Paying";
    invite_friends: "邀请好友参团", "Invite friends";
    link_copied: "链接已复制，发给好友吧", "Link copied; send it to friends";
    copy_failed: "复制失败，请长按地址栏复制链接", "Could not copy; copy the address bar instead";
    team_full_choose: "这个团已满或已结束。可以参加下面的其他团，或自己开一个团。", "This team is full or over. Join another team below, or start your own.";
    other_teams: "其他正在拼的团", "Other open teams";
    start_own_team: "我来开一个团", "Start my own team";
    my_group_order: "我的拼团订单", "My group-buy order";
    pay_to_keep_seat: "座位已为你保留，请在时限内付款。", "Your seat is held; pay before it runs out.";
    group_rules: "拼团规则", "How it works";
    activity_ended_notice: "这个拼团活动已结束。", "This group-buy has ended.";
    group_activities: "拼团活动", "Group buys";
    new_activity: "新建拼团活动", "New group buy";
    edit_activity: "修改拼团活动", "Edit group buy";
    team_size_label: "成团人数（2–50）", "Team size (2–50)";
    team_price_label: "拼团价（元）", "Team price (¥)";
    group_option_note: "拼团规格：", "Team option:";
    group_option_label: "拼团规格（拼团价只适用于这个规格）", "Option sold in teams (the team price is for this option only)";
    leader_price_label: "团长价（元，可不填）", "Leader price (¥, optional)";
    window_hours_label: "成团时限（小时，1–72，默认 24）", "Team window (hours, 1–72, default 24)";
    starts_at_label: "开始时间", "Starts";
    ends_at_label: "结束时间", "Ends";
    group_limit_label: "每人限购（件，默认 1）", "Per member (units, default 1)";
    ladder_label: "阶梯价（可不填）", "Ladder (optional)";
    ladder_hint: "例如 5:25.90, 10:22.90：团满 5 人每人 ¥25.90，满 10 人每人 ¥22.90。成员先按拼团价付款，差价成团后自动退回。", "E.g. 5:25.90, 10:22.90: ¥25.90 each at 5 people, ¥22.90 at 10. Members pay the team price; the difference is refunded when the team closes.";
    guaranteed_label: "成团保障：到时未满也按已付款的人数成团", "Guaranteed: when time runs out, the team completes with whoever paid";
    save_activity: "保存活动", "Save";
    end_activity: "立即结束活动", "End now";
    view_teams: "查看团", "Teams";
    activity_running: "进行中", "Running";
    activity_upcoming: "未开始", "Upcoming";
    activity_ended: "已结束", "Ended";
    no_activities: "这个商品还没有拼团活动。", "No group buys on this product yet.";
    teams_title: "团列表", "Teams";
    no_teams: "还没有人开团。", "No teams yet.";
    rules_fixed_note: "已有人开团后，规则不能再改，只能调整结束时间。", "Once a team opens, only the end time can change.";
    status_paid: "已支付", "Paid";
    status_shipped: "已发货", "Shipped";
    status_completed: "已完成", "Completed";
    status_cancelled: "已取消", "Cancelled";
    status_refunding: "退款中", "Refunding";
    status_refunded: "已退款", "Refunded";
}

impl Lang {
    pub fn members(self, n: i64) -> String {
        match self {
            Lang::Zh => format!("{n} 位成员"),
            Lang::En if n == 1 => "1 member".into(),
            Lang::En => format!("{n} members"),
        }
    }

    pub fn stock_left(self, n: i64) -> String {
        match self {
            Lang::Zh => format!("库存 {n}"),
            Lang::En => format!("{n} in stock"),
        }
    }

    pub fn sold(self, n: i64) -> String {
        match self {
            Lang::Zh => format!("已售 {n}"),
            Lang::En => format!("{n} sold"),
        }
    }

    pub fn saving(self, f: Fen) -> String {
        let yuan = if f.0 % 100 == 0 { format!("¥{}", f.0 / 100) } else { f.display() };
        match self {
            Lang::Zh => format!("省{yuan}"),
            Lang::En => format!("Save {yuan}"),
        }
    }

    pub fn per_order_limit(self, n: i64, unit: &str) -> String {
        match self {
            Lang::Zh => format!("每单限购 {n}{unit}"),
            Lang::En => format!("Up to {n} per order"),
        }
    }

    /// `运费 ¥8.00，满 ¥99.00 包邮`
    pub fn shipping_rule(self, fee: Fen, free_over: Fen) -> String {
        match (self, fee.0, free_over.0) {
            (Lang::Zh, 0, _) => "全场包邮".to_string(),
            (Lang::Zh, _, 0) => format!("运费 {}", fee.display()),
            (Lang::Zh, _, _) => format!("运费 {}，满 {} 包邮", fee.display(), free_over.display()),
            (Lang::En, 0, _) => "Free shipping".to_string(),
            (Lang::En, _, 0) => format!("Shipping {}", fee.display()),
            (Lang::En, _, _) => format!("Shipping {}, free from {}", fee.display(), free_over.display()),
        }
    }

    /// `3人团`
    pub fn team_of(self, n: i64) -> String {
        match self {
            Lang::Zh => format!("{n}人团"),
            Lang::En => format!("Team of {n}"),
        }
    }

    /// `还差1人`
    pub fn missing(self, n: i64) -> String {
        self.missing_text(&n.to_string())
    }

    fn missing_text(self, n: &str) -> String {
        match self {
            Lang::Zh => format!("还差{n}人"),
            Lang::En => format!("{n} more needed"),
        }
    }

    /// `23:41:07 后结束`
    pub fn ends_in(self, countdown: &str) -> String {
        match self {
            Lang::Zh => format!("{countdown} 后结束"),
            Lang::En => format!("ends in {countdown}"),
        }
    }

    pub fn team_window(self, hours: i64) -> String {
        match self {
            Lang::Zh => format!("团长付款后 {hours} 小时内凑齐人数"),
            Lang::En => format!("The team has {hours} h from the leader's payment to fill"),
        }
    }

    pub fn refund_if_short(self, n: i64) -> String {
        match self {
            Lang::Zh => format!("到时间没凑满 {n} 人，已付款项自动原路退回，不收任何费用。"),
            Lang::En => format!("If {n} people have not paid in time, every payment is refunded automatically."),
        }
    }

    pub fn guaranteed_notice(self) -> &'static str {
        match self {
            Lang::Zh => "成团保障：到时间没凑满人，也按已付款的人数成团发货。",
            Lang::En => "Guaranteed team: when time runs out, the team completes with everyone who has paid.",
        }
    }

    pub fn ladder_step(self, size: i64, price: Fen) -> String {
        match self {
            Lang::Zh => format!("满{size}人 每人{}", price.display()),
            Lang::En => format!("{size}+ people: {} each", price.display()),
        }
    }

    pub fn ladder_notice(self, price: Fen) -> String {
        match self {
            Lang::Zh => format!("先按 {} 付款，成团时人越多越便宜，差价自动退回。", price.display()),
            Lang::En => format!("Pay {} now; if the team closes larger, the difference comes back.", price.display()),
        }
    }

    pub fn leader_price(self, price: Fen) -> String {
        match self {
            Lang::Zh => format!("团长价 {}", price.display()),
            Lang::En => format!("Leader pays {}", price.display()),
        }
    }

    /// The text shared with a team link.
    pub fn share_text(self, missing: i64, price: Fen, title: &str) -> String {
        match self {
            Lang::Zh => format!("还差{missing}人！{} 一起拼「{title}」", price.display()),
            Lang::En => format!("{missing} more needed! {title} for {} together", price.display()),
        }
    }

    pub fn team_counts(self, s: &domain::model::ActivityStats) -> String {
        let rate = format!("{}.{}%", s.fill_bp / 100, (s.fill_bp % 100) / 10);
        match self {
            Lang::Zh => format!(
                "开团 {} · 成功 {} · 进行中 {} · 失败 {} · 满员率 {rate} · 已退 {}",
                s.teams,
                s.succeeded,
                s.open,
                s.failed,
                s.refunded.display()
            ),
            Lang::En => format!(
                "{} teams · {} complete · {} open · {} failed · {rate} filled · {} refunded",
                s.teams,
                s.succeeded,
                s.open,
                s.failed,
                s.refunded.display()
            ),
        }
    }

    pub fn team_status(self, s: domain::groupbuy::TeamStatus) -> &'static str {
        use domain::groupbuy::TeamStatus;
        let t = self.t();
        match s {
            TeamStatus::Pending => t.team_pending,
            TeamStatus::Open => t.team_open,
            TeamStatus::Succeeded => t.team_succeeded,
            TeamStatus::Failed => t.team_failed,
        }
    }

    pub fn per_member_limit(self, n: i64, unit: &str) -> String {
        match self {
            Lang::Zh => format!("每人限购 {n}{unit}"),
            Lang::En => format!("Up to {n} per member"),
        }
    }

    pub fn left(self, n: i64) -> String {
        self.left_text(&n.to_string())
    }

    fn left_text(self, n: &str) -> String {
        match self {
            Lang::Zh => format!("剩 {n}"),
            Lang::En => format!("{n} left"),
        }
    }

    pub fn pay_before(self, when: &str) -> String {
        match self {
            Lang::Zh => format!("请在 {when} 前完成支付"),
            Lang::En => format!("Please pay before {when}"),
        }
    }

    pub fn auto_complete_on(self, when: &str) -> String {
        match self {
            Lang::Zh => format!("{when} 将自动确认收货"),
            Lang::En => format!("Completes by itself on {when}"),
        }
    }

    /// One line for a notification, by its kind.
    pub fn notification(self, kind: &str, amount: Fen) -> String {
        let zh = self == Lang::Zh;
        let a = amount.display();
        match (kind, zh) {
            ("order_paid", true) => "支付成功，订单已交给群主发货。".into(),
            ("order_paid", false) => "Payment received; the owner will ship.".into(),
            ("new_paid_order", true) => format!("新订单已支付 {a}，请尽快发货。"),
            ("new_paid_order", false) => format!("New paid order of {a}; please ship it."),
            ("order_shipped", true) => "你的订单已发货。".into(),
            ("order_shipped", false) => "Your order has shipped.".into(),
            ("refund_requested", true) => format!("有买家申请退款 {a}，请处理。"),
            ("refund_requested", false) => format!("A buyer asks for a refund of {a}."),
            ("refund_approved", true) => format!("退款 {a} 已原路退回。"),
            ("refund_approved", false) => format!("Your refund of {a} was paid back."),
            ("refund_rejected", true) => "你的退款申请被拒绝了，原因见订单。".into(),
            ("refund_rejected", false) => "Your refund request was declined; see the order.".into(),
            ("team_succeeded", true) => "拼团成功！订单已交给群主发货。".into(),
            ("team_succeeded", false) => "Your team is complete! The owner will ship.".into(),
            ("team_failed", true) => format!("拼团时间到了，人数不够，未能成团，{a} 已原路退回。"),
            ("team_failed", false) => format!("Your team did not fill in time; {a} is refunded to you."),
            ("team_ladder_refund", true) => format!("团里人更多，价格更低了：差价 {a} 已原路退回。"),
            ("team_ladder_refund", false) => format!("Your team grew, so the price fell: {a} is refunded."),
            ("commission_pending", true) => format!("你推广的订单已支付，佣金 {a} 待结算。"),
            ("commission_pending", false) => format!("An order you referred was paid: {a} commission pending."),
            ("commission_settled", true) => format!("佣金 {a} 已结算，可以提现了。"),
            ("commission_settled", false) => format!("{a} of commission settled and can be withdrawn."),
            ("distributor_applied", true) => "有成员申请成为推广员，请在分销 → 推广员审核。".into(),
            ("distributor_applied", false) => "A member applied to distribute; see Distribution → Distributors.".into(),
            ("withdrawal_requested", true) => format!("有推广员申请提现 {a}，请在分销 → 提现审核处理。"),
            ("withdrawal_requested", false) => {
                format!("A distributor asks to withdraw {a}; see Distribution → Withdrawals.")
            }
            ("withdrawal_paid", true) => format!("提现已打款 {a}。"),
            ("withdrawal_paid", false) => format!("Your withdrawal of {a} was paid out."),
            ("withdrawal_rejected", true) => format!("提现 {a} 未通过，金额已退回可提现余额。"),
            ("withdrawal_rejected", false) => {
                format!("Your withdrawal of {a} was declined; it is back in your balance.")
            }
            (_, true) => "订单有新动态。".into(),
            (_, false) => "Something happened to an order.".into(),
        }
    }

    pub fn withdrawal_status(self, s: WithdrawalStatus) -> &'static str {
        let t = self.t();
        match s {
            WithdrawalStatus::Paid => t.withdrawal_paid,
            WithdrawalStatus::Rejected => t.withdrawal_rejected,
            WithdrawalStatus::Pending => t.withdrawal_pending,
        }
    }

    pub fn commission_status(self, s: CommissionStatus) -> &'static str {
        let t = self.t();
        match s {
            CommissionStatus::Frozen => t.commission_frozen,
            CommissionStatus::Settled => t.commission_settled,
            CommissionStatus::Reversed => t.commission_reversed,
            CommissionStatus::Pending => t.commission_pending,
        }
    }

    pub fn distributor_status(self, s: DistributorStatus) -> &'static str {
        match (s, self) {
            (DistributorStatus::Applied, Lang::Zh) => "待审核",
            (DistributorStatus::Applied, Lang::En) => "Applied",
            (DistributorStatus::Rejected, Lang::Zh) => "未通过",
            (DistributorStatus::Rejected, Lang::En) => "Declined",
            (DistributorStatus::Active, Lang::Zh) => "推广中",
            (DistributorStatus::Active, Lang::En) => "Active",
        }
    }

    /// "分享赚 ¥3.50"
    pub fn share_earn(self, f: Fen) -> String {
        self.share_earn_text(&f.display())
    }

    fn share_earn_text(self, amount: &str) -> String {
        match self {
            Lang::Zh => format!("分享赚 {amount}"),
            Lang::En => format!("Share, earn {amount}"),
        }
    }

    pub fn spend_more(self, left: Fen) -> String {
        match self {
            Lang::Zh => format!("在本群再消费 {} 就能成为推广员。", left.display()),
            Lang::En => format!("Spend {} more here to become a distributor.", left.display()),
        }
    }

    pub fn earnings_summary(self, settled: Fen, reversed: Fen) -> String {
        match self {
            Lang::Zh => format!("累计结算 {} · 因退款扣回 {}", settled.display(), reversed.display()),
            Lang::En => {
                format!("Settled in all {} · taken back after refunds {}", settled.display(), reversed.display())
            }
        }
    }

    pub fn team_sizes(self, l1: i64, l2: i64, visits: i64) -> String {
        match self {
            Lang::Zh => format!("直接推荐 {l1} 人 · 二级 {l2} 人 · 链接被打开 {visits} 次"),
            Lang::En => format!("{l1} referred directly · {l2} at level 2 · link opened {visits} times"),
        }
    }

    pub fn last_days(self, days: i64) -> String {
        match self {
            Lang::Zh => format!("最近 {days} 天的佣金（扣除退款后）"),
            Lang::En => format!("Commission of the last {days} days, after refunds"),
        }
    }

    pub fn queue_counts(self, applications: i64, withdrawals: i64) -> String {
        match self {
            Lang::Zh => format!("待审核申请 {applications} 个 · 待处理提现 {withdrawals} 笔"),
            Lang::En => format!("{applications} applications and {withdrawals} withdrawals waiting"),
        }
    }

    pub fn distributor_figures(self, sales: Fen, earned: Fen, team: i64) -> String {
        match self {
            Lang::Zh => format!("直推业绩 {} · 佣金 {} · 直接推荐 {team} 人", sales.display(), earned.display()),
            Lang::En => format!("Direct sales {} · earned {} · {team} referred", sales.display(), earned.display()),
        }
    }

    /// Why an order was or was not credited to the reader.
    pub fn why(self, w: domain::referral::Why) -> String {
        use domain::referral::{BindOutcome, Credit, Why};
        let zh = self == Lang::Zh;
        let level = |d: usize| {
            if zh {
                ["", "直接推荐", "二级推荐", "三级推荐"][d.min(3)].to_string()
            } else {
                format!("level {d}")
            }
        };
        match w {
            Why::Credited { depth } => {
                if zh {
                    format!("买家下单时绑定在你的{}关系里，佣金已计入。", level(depth))
                } else {
                    format!("The buyer was bound to you ({}) when ordering; commission credited.", level(depth))
                }
            }
            Why::Unpaid { depth } => {
                if zh {
                    format!("你是这笔订单的{}，付款后计入佣金。", level(depth))
                } else {
                    format!("You are {} on this order; commission counts once it is paid.", level(depth))
                }
            }
            Why::BeyondDepth => {
                s_(zh, "这笔订单超出了社群设置的分佣层级。", "This order is beyond the levels the programme pays.")
            }
            Why::NotCredited { because, .. } => match because {
                Credit::GroupBuy => {
                    s_(zh, "拼团订单，社群设置为不发佣金。", "A group-buy order; the programme does not pay on those.")
                }
                Credit::Discounted => {
                    s_(zh, "优惠订单，社群设置为不发佣金。", "A discounted order; the programme does not pay on those.")
                }
                Credit::NotDistributor => {
                    s_(zh, "订单付款时你还不是推广员。", "You were not a distributor when it was paid.")
                }
                Credit::Capped => s_(zh, "当天佣金已达上限。", "Your daily cap was reached."),
                Credit::NoProgramme => {
                    s_(zh, "订单付款时社群没有开启分销。", "The programme was off when it was paid.")
                }
                Credit::NothingToPay => s_(zh, "按比例算下来不足 1 分钱。", "The rate came to less than a fen."),
                Credit::Credited => String::new(),
            },
            Why::LinkOnly { outcome } => match outcome {
                BindOutcome::KeptExisting | BindOutcome::Unchanged => s_(
                    zh,
                    "买家通过你的链接下单，但已绑定其他推荐人，按社群规则保留原绑定。",
                    "The buyer came through your link but was already bound to someone else, whom the rules keep.",
                ),
                BindOutcome::NotNew => s_(
                    zh,
                    "买家通过你的链接下单，但不是新成员，社群只绑定新成员。",
                    "The buyer came through your link but was not new; only new members are bound.",
                ),
                BindOutcome::WouldCycle => s_(
                    zh,
                    "买家是你的上级推荐人，不能反过来绑定。",
                    "The buyer referred you, so they cannot be bound to you.",
                ),
                BindOutcome::SelfReferral => s_(zh, "自己的订单不发佣金。", "Your own orders earn nothing."),
                BindOutcome::Bound => s_(
                    zh,
                    "买家通过你的链接绑定，订单的推荐链以下单时为准。",
                    "The buyer bound to you through your link; each order keeps the chain it was placed with.",
                ),
            },
        }
    }

    pub fn refund_status(self, status: RefundStatus) -> &'static str {
        let t = self.t();
        match status {
            RefundStatus::Requested => t.refund_requested,
            RefundStatus::Approved => t.refund_approved,
            RefundStatus::Rejected => t.refund_rejected,
            RefundStatus::Refunded => t.refund_refunded,
        }
    }

    pub fn signed_in_as(self, who: &str) -> String {
        match self {
            Lang::Zh => format!("已登录：{who}"),
            Lang::En => format!("Signed in as {who}"),
        }
    }

    pub fn quantity_times(self, n: i64) -> String {
        format!("×{n}")
    }

    pub fn order_count(self, n: usize) -> String {
        match self {
            Lang::Zh => format!("共 {n} 单"),
            Lang::En => format!("{n} orders"),
        }
    }

    /// What a built-in picture shows, for its alternative text.
    pub fn picture(self, key: &str) -> &'static str {
        let zh = self == Lang::Zh;
        let pick = |z: &'static str, e: &'static str| if zh { z } else { e };
        match key {
            "salmon" => pick("三文鱼", "Salmon"),
            "salmon-belly" => pick("三文鱼腹肉", "Salmon belly"),
            "salmon-roe" => pick("三文鱼籽", "Salmon roe"),
            "dates-walnut" => pick("枣夹核桃", "Dates with walnuts"),
            "walnut" => pick("核桃", "Walnuts"),
            "crayfish" => pick("小龙虾", "Crayfish"),
            "tea" => pick("茶", "Tea"),
            "orange" => pick("橙子", "Oranges"),
            "snack" => pick("零食", "Snacks"),
            "orchard" => pick("果园", "Orchard"),
            _ => pick("图片", "Picture"),
        }
    }

    pub fn status(self, s: OrderStatus) -> &'static str {
        let t = self.t();
        match s {
            OrderStatus::PendingPayment => t.status_pending_payment,
            OrderStatus::AwaitingTeam => t.status_awaiting_team,
            OrderStatus::Paid => t.status_paid,
            OrderStatus::Shipped => t.status_shipped,
            OrderStatus::Completed => t.status_completed,
            OrderStatus::Cancelled => t.status_cancelled,
            OrderStatus::Refunding => t.status_refunding,
            OrderStatus::Refunded => t.status_refunded,
        }
    }

    pub fn actor(self, actor: &str) -> &'static str {
        let t = self.t();
        match actor {
            "buyer" => t.actor_buyer,
            "owner" => t.actor_owner,
            "sandbox" => t.actor_sandbox,
            _ => t.actor_system,
        }
    }

    /// A plain sentence that says what went wrong and, where it helps, what to do next.
    pub fn error(self, e: &AppError) -> String {
        match e {
            AppError::Rule(rule) => self.rule(rule),
            AppError::Internal => self.internal_error(),
            AppError::Busy => s_(
                self == Lang::Zh,
                "现在请求的人太多，请过一秒再试。",
                "Too many requests right now. Please try again in a second.",
            ),
        }
    }

    /// The message for a broken rule.
    pub fn rule(self, e: &domain::Error) -> String {
        use domain::Error::*;
        let zh = self == Lang::Zh;
        let s = |zh_text: &str, en_text: &str| if zh { zh_text.to_string() } else { en_text.to_string() };
        match e {
            AccountMissing => s("请填写手机号或邮箱。", "Enter a phone number or e-mail."),
            BadPhone => {
                s("手机号应为 11 位数字，以 1 开头。", "A mainland mobile number has 11 digits and starts with 1.")
            }
            BadEmail => s(
                "邮箱格式不对，请检查，例如 name@example.com。",
                "That e-mail address looks wrong; e.g. name@example.com.",
            ),
            AccountExists => {
                s("这个账号已经注册过了，请直接登录。", "This account already exists. Please sign in instead.")
            }
            PasswordTooShort => s("密码至少 8 位。", "The password needs at least 8 characters."),
            PasswordTooLong => s("密码最多 128 位。", "The password can have at most 128 characters."),
            WrongPassword => s("账号或密码不正确。", "Wrong account or password."),
            WrongCurrentPassword => s("当前密码不正确。", "The current password is wrong."),
            TooManyAttempts { seconds } => {
                let minutes = (seconds + 59) / 60;
                match (zh, *seconds < 90) {
                    (true, true) => format!("尝试太频繁，请 {seconds} 秒后再试。"),
                    (true, false) => format!("尝试太频繁，请 {minutes} 分钟后再试。"),
                    (false, true) => format!("Too many attempts. Try again in {seconds} seconds."),
                    (false, false) => format!("Too many attempts. Try again in {minutes} minutes."),
                }
            }
            NicknameTooLong => s("昵称最多 20 个字。", "The name can have at most 20 characters."),
            SignInRequired => s("请先登录。", "Please sign in first."),
            BadCommunityName => s("社群名称需要 2 到 30 个字。", "The name needs 2 to 30 characters."),
            BadTimeZone => s("请选择列表里的时区。", "Choose a time zone from the list."),
            BadSlug => s(
                "社群地址只能用小写字母、数字和短横线，3 到 40 位。",
                "Use 3–40 lower-case letters, digits and dashes.",
            ),
            SlugTaken => s("这个地址已被使用，换一个吧。", "This address is taken; try another."),
            BadIntro => s("简介最多 500 字。", "The introduction can have at most 500 characters."),
            BadCover => s("请从列表中选择封面。", "Choose a cover from the list."),
            BadTitle => s("商品名称需要 2 到 60 个字。", "The title needs 2 to 60 characters."),
            BadDescription => s("商品描述最多 5000 字。", "The description can have at most 5,000 characters."),
            BadUnit => s("单位最多 6 个字。", "The unit can have at most 6 characters."),
            BadImage => s("请从列表中选择商品图。", "Choose a picture from the list."),
            BadPrice => s(
                "售价应大于 0，最多两位小数，例如 35 或 29.90。",
                "The price must be above 0 with at most two decimals, e.g. 35 or 29.90.",
            ),
            BadOriginalPrice => s(
                "划线价格式不对，例如 90 或 89.90，不需要可留空。",
                "The original price looks wrong, e.g. 90 or 89.90; leave it empty if none.",
            ),
            OriginalNotAbovePrice => {
                s("划线价要高于售价，否则请留空。", "The original price must be above the price, or left empty.")
            }
            BadStock => s("库存应为 0 到 1000000 的整数。", "Stock must be a whole number from 0 to 1,000,000."),
            BadLimit => s("每单限购应为 1 到 999 的整数。", "The limit must be a whole number from 1 to 999."),
            BadStatus => s("请选择商品状态。", "Choose a status."),
            BadMemberLimit => s("每人限购应为 0 到 9990 的整数，0 表示不限。", "The per-member limit is a whole number from 0 (none) to 9990."),
            BadSpecName => s("规格名最多 8 个字，填了规格值就要填规格名；有第二个规格时先填第一个，两个规格名不能相同。", "A spec needs a name of at most 8 characters; fill in the first spec before the second, with different names."),
            BadSpecValues => s("规格值用逗号分开，每个最多 10 个字、不能重复，最多 12 个。", "Separate spec values with commas: at most 12, each up to 10 characters, no repeats."),
            BadSkuCode => s("编码最多 32 位，只能用字母、数字和符号，不能有空格。", "A code has at most 32 letters, digits or symbols, without spaces."),
            ChooseSku => s("请选择规格。", "Please choose an option."),
            OverMemberLimit { limit, left } => {
                if zh {
                    format!("每人限购 {limit} 件，你还能买 {left} 件。")
                } else {
                    format!("Limit {limit} per member; you can buy {left} more.")
                }
            }
            NotOnSale => s("这个商品现在不能购买。", "This product is not on sale right now."),
            BadQuantity => s("数量应为 1 以上的整数。", "The quantity must be a whole number of at least 1."),
            OverOrderLimit { limit } => {
                if zh {
                    format!("每单最多买 {limit} 件。")
                } else {
                    format!("You can buy at most {limit} per order.")
                }
            }
            SoldOut => s("已售罄，下次早点来。", "Sold out."),
            StockChanged { now } => {
                if zh {
                    format!("你编辑期间库存变了：现在是 {now}，请按现在的库存重新填写。")
                } else {
                    format!("The stock changed while you were editing: it is {now} now. Please enter it again.")
                }
            }
            NotEnoughStock { left } => {
                if zh {
                    format!("库存只剩 {left} 件，请减少数量。")
                } else {
                    format!("Only {left} left; please lower the quantity.")
                }
            }
            OrderNotPayable => s("这个订单已不需要支付。", "This order no longer needs paying."),
            BadShippingFee => s("运费应为 0 到 1000 元，最多两位小数。", "Shipping is 0 to 1,000 yuan, at most two decimals."),
            BadFreeShipping => s("包邮门槛格式不对，例如 99，不需要可留空。", "The free-shipping threshold looks wrong, e.g. 99; leave it empty if none."),
            BadPickupPoint => s("自提点最多 60 个字。", "The pickup point can have at most 60 characters."),
            BadRecipient => s("请填写收件人，最多 20 个字。", "Enter the recipient, at most 20 characters."),
            BadRecipientPhone => s("收件人手机号应为 11 位数字，以 1 开头。", "The recipient's mobile number has 11 digits and starts with 1."),
            BadRegion => s("请填写省市区，例如 浙江省杭州市西湖区。", "Enter the province, city and district."),
            BadAddressDetail => s("请填写详细地址（街道、门牌号），4 到 120 个字。", "Enter the street and number, 4 to 120 characters."),
            BadNote => s("备注最多 100 个字。", "The note can have at most 100 characters."),
            BadRefundAmount { max } => {
                if zh {
                    format!("退款金额应大于 0，最多 {}。", max.display())
                } else {
                    format!("The refund must be above 0 and at most {}.", max.display())
                }
            }
            BadRefundReason => s("请写下退款原因，2 到 200 个字。", "Give a reason of 2 to 200 characters."),
            RefundAlreadyOpen => s("这个订单已有一个退款申请在处理中，请等它处理完。", "This order already has a refund request being handled."),
            NotRefundable => s("这个订单现在不能申请退款。", "This order cannot be refunded now."),
            RefundAlreadyDecided => s("这个退款申请已经处理过了。", "This refund request was already decided."),
            BadDecisionNote => s("拒绝时请写明原因，最多 200 个字。", "Say why, in at most 200 characters."),
            PhotoTooLarge => s(
                "照片像素太多：最多 4000 万像素，长边不超过 12000 像素。请缩小后再上传。",
                "That photo has too many pixels: at most 40 megapixels, 12,000 on the long side. Shrink it and upload again.",
            ),
            BadUpload => s("请上传 10 MB 以内的 JPEG、PNG、WebP 或 GIF 图片。", "Upload a JPEG, PNG, WebP or GIF photo of at most 10 MB."),
            BadTeamSize => s("成团人数应为 2 到 50 人。", "A team has 2 to 50 people."),
            BadTeamPrice => s("拼团价应大于 0，最多两位小数。", "The team price must be above 0 with at most two decimals."),
            TeamPriceNotBelowSingle => s("拼团价要低于这个规格单独购买的价格。", "The team price must be below this option's single price."),
            PriceNotAboveTeamPrice { team_price } => {
                let p = team_price.display();
                if zh {
                    format!("这个规格正在拼团（拼团价 {p}），活动结束前单买价要高于拼团价。")
                } else {
                    format!("This option is in a group-buy at {p}; until it ends its single price must stay above that.")
                }
            }
            NotInGroupBuy => s("拼团价只适用于活动标明的规格，其他规格请单独购买。", "The team price is for the option the group-buy names; buy other options alone."),
            BadLeaderPrice => s("团长价要低于拼团价，不需要可留空。", "The leader price must be below the team price, or left empty."),
            BadTeamWindow => s("成团时限应为 1 到 72 小时。", "A team's window is 1 to 72 hours."),
            BadActivityTimes => s("请填写开始和结束时间，结束要晚于开始，例如 2026-12-01 20:00。", "Enter a start and a later end, e.g. 2026-12-01 20:00."),
            BadLadder => s("阶梯格式如 5:25.90, 10:22.90：人数递增且大于成团人数，价格递减且低于拼团价，最多 5 档。", "Steps like 5:25.90, 10:22.90: sizes rising above the team size, prices falling below the team price, at most 5."),
            OverlappingActivity => s("这个商品在这段时间已有拼团活动，请换个时间。", "This product already has a group-buy in that period."),
            TeamFull => s("这个团已满，可以参加其他团或自己开一个团。", "This team is full. Join another team or start your own."),
            TeamClosed => s("这个团已经结束，可以参加其他团或自己开一个团。", "This team has ended. Join another team or start your own."),
            AlreadyInTeam => s("你已经在这个活动的一个团里了，每人同时只能参加一个团。", "You are already in a team of this group-buy; one at a time."),
            ActivityInUse => s("已经有人开团了，规则不能再改，只能调整结束时间或结束活动。", "Teams have opened, so the rules are fixed; you can only move the end or end it."),
            AlreadyLeadingTeam => s("你已经有一个进行中的团，邀请朋友来参团吧。", "You already lead an open team; invite friends to it."),
            ActivityNotRunning => s("拼团活动不在进行中。", "This group-buy is not running."),
            BadCommissionDepth => s("佣金层级为 1 到 3 级。", "Commissions go 1 to 3 levels deep."),
            BadCommissionRate => s("佣金比例和金额不能为负数。", "Rates and amounts cannot be negative."),
            CommissionTooHigh => s("各级佣金加起来不能超过售价的 50%。", "All levels together cannot pass 50 % of the price."),
            WithdrawalTooSmall => s("每次至少提现 ¥10.00，且要多于手续费。", "Withdraw at least ¥10.00, and more than the fee."),
            WithdrawalOverBalance { available } => {
                let a = available.display();
                match self {
                    Lang::Zh => format!("可提现余额只有 {a}。"),
                    Lang::En => format!("Only {a} can be withdrawn."),
                }
            }
            SandboxMoney { withdrawable } => {
                let a = withdrawable.display();
                match self {
                    Lang::Zh => format!("沙箱支付的订单不是真钱，它们的佣金不能提现；现在可提现 {a}。"),
                    Lang::En => format!("Orders paid in the sandbox are not real money, so their commissions cannot be withdrawn; {a} can be."),
                }
            }
            PaymentUnavailable => s("这里还没有开通收款方式，暂时不能付款。", "No way to pay is switched on here yet."),
            WithdrawalPending => s("你已有一笔提现在审核中，处理完后再申请。", "A withdrawal is already waiting; ask again once it is decided."),
            WithdrawalAlreadyDecided => s("这笔提现已经处理过了。", "This withdrawal was already decided."),
            BadWithdrawalFee => s("提现手续费应为 0 到 100 元。", "The withdrawal fee is 0 to 100 yuan."),
            BadFreezeDays => s("冻结天数应为 7 到 90 天（不能短于退款期）。", "Commissions are held 7 to 90 days (never shorter than the refund window)."),
            BadBindWindow => s("重新绑定的天数应为 1 到 365 天。", "Re-binding takes 1 to 365 days."),
            BadSpendThreshold => s("消费门槛应为大于 0 的金额，例如 99。", "The spending threshold is an amount above 0, e.g. 99."),
            BadCommissionOverride => s("单品佣金填固定金额（如 3.50）或比例（如 12%），不能超过售价的一半；不单独设置请留空。", "A product commission is an amount (3.50) or a rate (12%), at most half the price; leave it empty for the usual rates."),
            BadApplication => s("申请理由请写 2 到 200 个字。", "Write 2 to 200 characters about yourself."),
            NotDistributor => s("你还不是这个社群的分销员。", "You are not a distributor in this community yet."),
            ProgrammeOff => s("这个社群还没有开启分销。", "This community has no referral programme running."),
            BadLevels => s("等级门槛要逐级提高。", "Each level needs a higher threshold than the one before."),
            CartEmpty => s("购物车里没有可以购买的商品。", "There is nothing in the cart that can be bought."),
            ChooseDelivery => s("请选择收货地址，或先新增一个地址。", "Choose an address, or add one first."),
            PickupUnavailable => s("这个社群没有自提点，请选择快递地址。", "This community has no pickup point; choose an address."),
            OrderNotShippable => {
                s("只有已支付、未发货的订单可以发货。", "Only paid orders that have not shipped can be shipped.")
            }
            OrderNotCancellable => s("订单已支付或已取消，不能再取消。", "This order is already paid or cancelled."),
            OrderNotCompletable => s("订单还没有发货，不能确认收货。", "This order has not shipped yet."),
            BadCarrier => s("请填写快递公司，最多 20 个字。", "Enter the carrier, at most 20 characters."),
            BadTrackingNo => {
                s("运单号应为 6 到 30 位字母或数字。", "The tracking number has 6 to 30 letters or digits.")
            }
            Forbidden => s("你没有权限做这件事。", "You are not allowed to do that."),
            NotFound => s("没有找到，可能已被删除。", "Not found; it may have been removed."),
            BadRequest => {
                s("请求内容不完整，请刷新页面后重试。", "The request was incomplete. Reload the page and try again.")
            }
        }
    }

    fn internal_error(self) -> String {
        s_(
            self == Lang::Zh,
            "服务器出了点问题，请稍后再试。",
            "Something went wrong on our side. Please try again shortly.",
        )
    }
}

/// An error in Chinese, for logs and callers that have no language.
impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Lang::Zh.error(self))
    }
}

fn s_(zh: bool, a: &str, b: &str) -> String {
    if zh { a } else { b }.to_string()
}

/// A sentence with one gap, `{}`, that an island fills in the browser (`还差{}人`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Template(String);

impl Template {
    pub fn fill(&self, value: impl std::fmt::Display) -> String {
        self.0.replacen("{}", &value.to_string(), 1)
    }
}

impl From<String> for Template {
    fn from(s: String) -> Self {
        Template(s)
    }
}

impl From<Template> for String {
    fn from(t: Template) -> Self {
        t.0
    }
}

/// The words an island says, built on the server in the page's language and sent with the island,
/// so the browser's bundle carries these few words instead of the whole catalogue. They travel as
/// a plain list of strings: one decoder for every island instead of one per struct.
macro_rules! island_words {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(from = "Vec<String>", into = "Vec<String>")]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl From<Vec<String>> for $name {
            fn from(list: Vec<String>) -> Self {
                let mut list = list.into_iter();
                $name { $($field: <$ty>::from(list.next().unwrap_or_default()),)* }
            }
        }

        impl From<$name> for Vec<String> {
            fn from(w: $name) -> Vec<String> {
                vec![$(String::from(w.$field),)*]
            }
        }
    };
}

island_words! {
    /// What the group-buy islands say.
    pub struct TeamWords {
        pub leader_badge: String,
        pub seat_paying: String,
        pub seat_empty: String,
        pub status_pending: String,
        pub status_open: String,
        pub status_succeeded: String,
        pub status_failed: String,
        pub missing: Template,
        pub ends_in: Template,
        pub no_open_teams: String,
        pub team_formed_more: String,
        pub go_join: String,
    }
}

impl TeamWords {
    pub fn status(&self, s: domain::groupbuy::TeamStatus) -> &str {
        use domain::groupbuy::TeamStatus;
        match s {
            TeamStatus::Pending => &self.status_pending,
            TeamStatus::Open => &self.status_open,
            TeamStatus::Succeeded => &self.status_succeeded,
            TeamStatus::Failed => &self.status_failed,
        }
    }
}

island_words! {
    /// What the share button says.
    pub struct ShareWords {
        pub link_copied: String,
        pub copy_failed: String,
        /// "分享赚 {}", filled with the amount the browser computes.
        pub share_earn: Template,
    }
}

island_words! {
    /// What the options-and-quantity island on the order page says.
    pub struct BuyWords {
        pub free_shipping: String,
        pub sold_out: String,
        pub left: Template,
        pub delivery_label: String,
        pub quantity: String,
        pub decrease: String,
        pub increase: String,
        pub shipping_amount: String,
        pub total: String,
    }
}

impl Lang {
    pub fn team_words(self) -> TeamWords {
        use domain::groupbuy::TeamStatus;
        let t = self.t();
        TeamWords {
            leader_badge: t.leader_badge.into(),
            seat_paying: t.seat_paying.into(),
            seat_empty: t.seat_empty.into(),
            status_pending: self.team_status(TeamStatus::Pending).into(),
            status_open: self.team_status(TeamStatus::Open).into(),
            status_succeeded: self.team_status(TeamStatus::Succeeded).into(),
            status_failed: self.team_status(TeamStatus::Failed).into(),
            missing: self.template(|l, gap| l.missing_text(gap)),
            ends_in: self.template(|l, gap| l.ends_in(gap)),
            no_open_teams: t.no_open_teams.into(),
            team_formed_more: t.team_formed_more.into(),
            go_join: t.go_join.into(),
        }
    }

    pub fn share_words(self) -> ShareWords {
        let t = self.t();
        ShareWords {
            link_copied: t.link_copied.into(),
            copy_failed: t.copy_failed.into(),
            share_earn: self.template(|l, gap| l.share_earn_text(gap)),
        }
    }

    pub fn buy_words(self) -> BuyWords {
        let t = self.t();
        BuyWords {
            free_shipping: t.free_shipping.into(),
            sold_out: t.sold_out.into(),
            left: self.template(|l, gap| l.left_text(gap)),
            delivery_label: t.delivery_label.into(),
            quantity: t.quantity.into(),
            decrease: t.decrease.into(),
            increase: t.increase.into(),
            shipping_amount: t.shipping_amount.into(),
            total: t.total.into(),
        }
    }

    /// A sentence of this catalogue with its value left as the gap `{}`.
    fn template(self, sentence: impl Fn(Lang, &str) -> String) -> Template {
        Template(sentence(self, "{}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn island_words_travel_as_a_list_and_come_back_whole() {
        let w = Lang::En.team_words();
        let json = serde_json::to_string(&w).unwrap();
        assert!(json.starts_with("[\""), "{json}");
        assert_eq!(serde_json::from_str::<TeamWords>(&json).unwrap(), w);
    }

    #[test]
    fn island_words_fill_in_as_the_catalogue_says() {
        for l in [Lang::Zh, Lang::En] {
            let w = l.team_words();
            assert_eq!(w.missing.fill(2), l.missing(2));
            assert_eq!(w.ends_in.fill("01:02:03"), l.ends_in("01:02:03"));
            assert_eq!(
                w.status(domain::groupbuy::TeamStatus::Failed),
                l.team_status(domain::groupbuy::TeamStatus::Failed)
            );
            assert_eq!(l.share_words().share_earn.fill(Fen(350).display()), l.share_earn(Fen(350)));
            assert_eq!(l.buy_words().left.fill(3), l.left(3));
        }
    }

    #[test]
    fn picks_language_from_accept_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr;q=1, zh-CN;q=0.9, en;q=0.5"), Some(Lang::Zh));
        assert_eq!(Lang::from_accept_language("fr, de"), None);
    }

    #[test]
    fn every_error_has_a_sentence_in_both_languages() {
        let all = [
            AppError::from(domain::Error::BadPhone),
            domain::Error::TooManyAttempts { seconds: 180 }.into(),
            domain::Error::OverOrderLimit { limit: 5 }.into(),
            domain::Error::NotEnoughStock { left: 2 }.into(),
            AppError::Internal,
            AppError::Busy,
        ];
        for e in all {
            for l in [Lang::Zh, Lang::En] {
                let m = l.error(&e);
                assert!(m.ends_with('。') || m.ends_with('.'), "{m}");
            }
        }
        assert_eq!(Lang::Zh.rule(&domain::Error::NotEnoughStock { left: 2 }), "库存只剩 2 件，请减少数量。");
    }

    #[test]
    fn every_built_in_picture_has_a_name() {
        use domain::catalogue::{COVERS, PRODUCT_IMAGES};
        for key in COVERS.iter().chain(PRODUCT_IMAGES) {
            for l in [Lang::Zh, Lang::En] {
                assert_ne!(l.picture(key), l.picture("unknown"), "{key}");
            }
        }
    }

    #[test]
    fn savings_read_naturally() {
        assert_eq!(Lang::Zh.saving(Fen(5500)), "省¥55");
        assert_eq!(Lang::En.saving(Fen(2910)), "Save ¥29.10");
    }
}
