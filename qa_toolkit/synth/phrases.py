"""Phrase banks for the synthetic conversations, Chinese (zh) and English (en), keyed by the
conversation step, the scenario and the customer's mood. Placeholders are filled per
conversation with ``str.format_map``: {name} {order} {phone} {tail} {id_no} {card} {item}
{wx} {team}. Service taboo (服务禁语), off-platform and data-leak phrases are here too, so the
rubric engine has real, varied text to catch."""

from __future__ import annotations

SCENARIOS = ("logistics", "return_refund", "product", "invoice", "coupon", "complaint")

ZH: dict[str, object] = {
    "bot_greet": [
        "您好，我是智能客服小蜜，请问有什么可以帮您？",
        "欢迎光临，我是智能助手，请简单描述您的问题～",
        "您好，智能客服为您服务，输入“转人工”可联系人工客服。",
    ],
    "bot_transfer": [
        "正在为您转接人工客服，请稍候…",
        "已为您转接人工客服，当前排队人数较少，请稍等。",
        "好的，马上为您安排人工客服。",
    ],
    "system_transfer": ["会话已转接", "会话已转接至人工客服", "系统：会话已转接"],
    "system_hand_over": ["会话已转接至{team}", "系统：会话已转接至{team}专员"],
    "greet": [
        "您好，很高兴为您服务，请问有什么可以帮您？",
        "您好，我是客服{name}，很高兴为您服务~",
        "亲，您好！客服{name}为您服务，请问有什么可以帮到您？",
        "您好，欢迎咨询，我是{name}，请问遇到什么问题了呢？",
    ],
    "phone_greet": [
        "您好，这里是官方旗舰店客服中心，工号{agent}，很高兴为您服务。",
        "喂，您好，客服{name}为您服务，请问有什么可以帮您？",
    ],
    "email_greet": [
        "尊敬的客户，您好：感谢您的来信，我是客服{name}。",
        "您好！收到您的邮件，我是负责您问题的客服{name}。",
    ],
    "no_greet_start": ["说吧，什么问题。", "什么事？", "嗯，订单号发一下。", "有事直接说。"],
    "open": {
        "logistics": {
            "calm": [
                "你好，我想查一下物流，订单好几天没更新了。",
                "请问我的快递到哪了？",
                "查物流，我买的{item}什么时候能到？",
            ],
            "anxious": [
                "快递怎么还没到？我急着用啊！",
                "下单五天了快递没到，能帮忙催一下吗？",
                "物流一直不动，是不是丢件了？",
            ],
            "angry": [
                "快递没到！都一个星期了，太差了！",
                "什么破服务，快递丢了也没人管，我要投诉！",
                "物流三天没动了，再不到我就差评！",
            ],
        },
        "return_refund": {
            "calm": [
                "你好，我想退货，{item}尺码不合适。",
                "请问怎么申请退款？",
                "收到的{item}颜色和图片不一样，可以换货吗？",
            ],
            "anxious": [
                "退款申请提交三天了怎么还没到账？",
                "我的退货已经寄回去了，什么时候退款？",
                "退款一直显示处理中，我很着急。",
            ],
            "angry": [
                "退款到现在都没到，你们是不是想赖账？我要投诉！",
                "坑人！质量这么差还不给退款，我要打12315！",
                "东西是坏的，马上给我退款，不然差评！",
            ],
        },
        "product": {
            "calm": ["你好，这款{item}有现货吗？", "请问{item}支持七天无理由吗？", "这个{item}和上一代有什么区别？"],
            "anxious": [
                "这个{item}明天能发货吗？我急用。",
                "请问今天下单能保证周末前到吗？",
                "{item}到底是不是正品？有点担心。",
            ],
            "angry": [
                "你们详情页写的和实物完全不一样，太差了！",
                "买的{item}用两天就坏了，什么破质量！",
                "宣传都是假的吧？我要退款！",
            ],
        },
        "invoice": {
            "calm": ["你好，我需要开发票，公司抬头。", "请问电子发票在哪里下载？", "发票抬头填错了，可以重开吗？"],
            "anxious": [
                "发票什么时候能开好？财务在催了。",
                "申请发票一周了还没收到，能快点吗？",
                "急需专票报销，今天能开吗？",
            ],
            "angry": [
                "发票申请了半个月都没开，你们怎么回事？我要投诉！",
                "开个发票这么麻烦，太差了！",
                "再不给我开发票我就打12315！",
            ],
        },
        "coupon": {
            "calm": ["你好，我的优惠券怎么用不了？", "满减活动还有吗？", "请问{item}可以用店铺券吗？"],
            "anxious": [
                "优惠券马上过期了，怎么一直用不了？",
                "下单时优惠没生效，还能补吗？",
                "刚买完就降价了，能补差价吗？",
            ],
            "angry": [
                "说好的优惠券不能用，这不是骗人吗？差评！",
                "刚买就降价一百，你们这是坑人，必须退差价！",
                "活动规则乱写，什么破服务，我要投诉！",
            ],
        },
        "complaint": {
            "calm": [
                "你好，我要反馈一下，收到的{item}有划痕。",
                "商品有质量问题，想反映一下。",
                "收到的{item}少了配件。",
            ],
            "anxious": [
                "{item}刚用就出问题了，怎么处理？",
                "收到的东西是坏的，能尽快解决吗？",
                "商品漏液了，我该怎么办？",
            ],
            "angry": [
                "我要投诉！{item}质量太差了！",
                "收到的是二手货吧？什么破服务，我要打12315！",
                "质量这么差还卖这么贵，退款！我要给差评！",
            ],
        },
    },
    "repeat_open": [
        "我之前已经问过了，到现在还没解决。",
        "上次说会处理，结果还是没动静。",
        "又是我，上次的问题还没弄好。",
    ],
    "verify": [
        "请您提供一下订单号，我帮您核实一下。",
        "麻烦发一下订单号，我这边帮您查询。",
        "好的，请问您的订单号是多少呢？我帮您核实。",
    ],
    "verify_product": ["请问您看的是哪个链接呢？我帮您确认一下。", "好的，请问是哪个型号呢？"],
    "give_order": ["订单号{order}", "{order}", "我的订单号是{order}，手机号{phone}"],
    "give_product": ["就是这个{item}，店铺首页那款。", "{item}，黑色的那个。"],
    "verified": [
        "好的，已经查到您的订单了，收货手机尾号{tail}对吗？",
        "查到了，订单号{order}，我看一下具体情况。",
        "已为您核实订单信息。",
    ],
    "pii_leak": [
        "好的，您的手机号{phone}，已经帮您核实了。",
        "核实一下，您的身份证号是{id_no}对吧？",
        "退款会原路退到您的银行卡{card}，请注意查收。",
        "收货人电话{phone}，地址没问题吧？",
    ],
    "empathy": [
        "非常抱歉给您带来不便，我理解您的心情。",
        "真的很抱歉让您久等了，我马上帮您处理。",
        "给您添麻烦了，非常抱歉，请您别着急。",
        "理解您的着急，实在抱歉，我们一定给您处理好。",
    ],
    "wait": ["正在为您查询，请稍等。", "我这边帮您看一下，请稍候。", "稍等，我帮您联系一下相关同事。"],
    "angry_more": [
        "我要投诉！",
        "什么破服务！",
        "太差了，差评！",
        "再不解决我就打12315！",
        "赶紧给我退款！",
        "你们就这个态度？",
        "等了这么久，气死我了。",
    ],
    "anxious_more": ["能快点吗？我真的很着急。", "大概要多久啊？", "今天能处理好吗？"],
    "calm_more": ["好的。", "嗯嗯。", "明白了。"],
    "solution": {
        "logistics": [
            "已经帮您联系快递加急派送，预计明天送达。",
            "查到包裹在中转站滞留，已催促快递，今天会更新物流。",
            "如果明天还没到，我们直接给您补发一件。",
        ],
        "return_refund": [
            "已为您通过退款申请，款项1-3个工作日原路退回。",
            "已经给您生成退货单，快递员上门取件，运费由我们承担。",
            "换货已经安排，新的{item}今天发出。",
        ],
        "product": [
            "这款有现货，今天下单48小时内发货。",
            "支持七天无理由退换，请放心购买。",
            "两代的区别主要在续航和重量，详情页有对比表。",
        ],
        "invoice": [
            "电子发票已重新开具，发到您的邮箱了。",
            "已经提交开票申请，专票3个工作日内寄出。",
            "发票在订单详情页可以直接下载。",
        ],
        "coupon": [
            "这张券需要满199才能用，我已给您补发一张无门槛券。",
            "价保范围内，差价已经申请退还给您。",
            "已帮您手动补上优惠，请重新下单。",
        ],
        "complaint": [
            "已经为您登记质量问题，给您全额退款并补偿一张优惠券。",
            "麻烦拍照发给我们，确认后直接给您换新。",
            "已提交质量反馈，为您安排免费退换。",
        ],
    },
    "vague": [
        "这个我这边也查不到，您再等等吧。",
        "已经帮您反馈了，什么时候处理不确定。",
        "这个要看仓库那边，我也说不准。",
        "您过几天再来问问吧。",
    ],
    "taboo": [
        "这个我不知道，你自己看物流吧。",
        "你自己看详情页啊。",
        "这不归我管，你找快递去。",
        "爱买不买。",
        "没办法，规定就是这样。",
        "我说了好几遍了，听不懂吗？",
        "不知道，系统就这么显示的。",
    ],
    "off_platform": [
        "您加我微信{wx}，我私下给您处理，更快。",
        "加我QQ {qq}，给您返现。",
        "您直接支付宝转账给我，我给您便宜点。",
        "vx: {wx}，私下交易可以打折。",
        "加个微信吧，平台上不方便说。",
    ],
    "off_platform_reply": ["为什么要加微信？", "好吧。", "平台上不能处理吗？"],
    "ack": ["好的，谢谢！", "行，那我等着。", "好的，辛苦了。", "OK，谢谢你。"],
    "unhappy": ["那到底什么时候能解决？", "算了，等我投诉吧。", "这也太敷衍了吧。", "……"],
    "closing_ask": ["请问还有其他可以帮您的吗？", "还有别的问题需要帮忙吗？"],
    "no_more": ["没有了，谢谢。", "没了。", "暂时没有了。"],
    "closing_bye": [
        "感谢您的耐心等待，祝您生活愉快！",
        "好的，祝您生活愉快，再见！",
        "感谢您的支持，有问题随时联系我们。",
    ],
    "email_close": ["如有其他问题，欢迎随时回复邮件。祝您生活愉快！", "感谢您的理解与支持，祝好！"],
    "phone_fill": ["嗯，您说。", "好的，我记一下。", "嗯嗯，明白。"],
    "handover": ["这个问题我给您转接专员处理。", "我帮您转到{team}，他们会继续跟进。"],
    "items": [
        "蓝牙耳机",
        "羽绒服",
        "电饭煲",
        "扫地机器人",
        "运动鞋",
        "面霜",
        "手机壳",
        "空气炸锅",
        "儿童推车",
        "保温杯",
    ],
}

EN: dict[str, object] = {
    "bot_greet": [
        "Hi! I'm the virtual assistant. How can I help you today?",
        "Welcome! Type 'agent' to talk to a person.",
    ],
    "bot_transfer": ["Transferring you to a human agent, please wait...", "Connecting you to our support team."],
    "system_transfer": ["Conversation transferred", "System: conversation transferred to an agent"],
    "system_hand_over": ["Conversation transferred to {team}"],
    "greet": [
        "Hello, thanks for contacting us. How can I help you?",
        "Hi, this is {name}, happy to help you today!",
        "Hello and welcome! What can I do for you?",
    ],
    "phone_greet": ["Hello, customer service, agent {agent} speaking. How can I help?"],
    "email_greet": ["Dear customer, thank you for your email. This is {name}."],
    "no_greet_start": ["What's the problem?", "Order number?", "Yes?"],
    "open": {
        "logistics": {
            "calm": ["Hi, where is my parcel? Tracking hasn't updated.", "Can you check the delivery of my {item}?"],
            "anxious": ["My package is late and I need it urgently!", "Tracking has been stuck for days, is it lost?"],
            "angry": [
                "My order still hasn't arrived after a week. Terrible service, I want to complain!",
                "The parcel is lost and nobody cares. I'll leave a bad review!",
            ],
        },
        "return_refund": {
            "calm": ["Hi, I'd like to return the {item}, wrong size.", "How do I request a refund?"],
            "anxious": [
                "I sent the return days ago, when will I get my refund?",
                "My refund is still pending, I'm worried.",
            ],
            "angry": [
                "Where is my refund?! This is a scam, I want to complain!",
                "The item is broken, refund me now or I'll report you!",
            ],
        },
        "product": {
            "calm": ["Is the {item} in stock?", "Does the {item} come with a warranty?"],
            "anxious": ["Can the {item} ship tomorrow? I need it soon.", "Is this {item} genuine? I'm a bit worried."],
            "angry": [
                "The {item} looks nothing like the pictures. Terrible!",
                "The {item} broke after two days, I want a refund!",
            ],
        },
        "invoice": {
            "calm": ["Hi, I need a company invoice for my order.", "Where can I download the e-invoice?"],
            "anxious": ["When will my invoice be ready? Accounting needs it.", "I still haven't received the invoice."],
            "angry": ["Two weeks and still no invoice! I want to complain!", "This invoice process is terrible."],
        },
        "coupon": {
            "calm": ["My coupon doesn't work at checkout.", "Is the discount still available?"],
            "anxious": [
                "My coupon expires today and it won't apply!",
                "The price dropped right after I bought it, can I get the difference?",
            ],
            "angry": [
                "Your coupon is fake, this is cheating! Bad review!",
                "Price dropped by 100 right after I paid, refund the difference now!",
            ],
        },
        "complaint": {
            "calm": ["Hi, the {item} I received is scratched.", "Some parts of the {item} are missing."],
            "anxious": [
                "The {item} stopped working, what should I do?",
                "It arrived damaged, can you fix this quickly?",
            ],
            "angry": [
                "I want to complain! The {item} is garbage!",
                "Awful quality, refund me or I'll report you to consumer protection!",
            ],
        },
    },
    "repeat_open": [
        "I already contacted you about this and it's still not solved.",
        "Me again, last time's issue is still open.",
    ],
    "verify": ["Could you give me your order number so I can verify it?", "May I have the order number, please?"],
    "verify_product": ["Which listing are you looking at?", "Which model do you mean?"],
    "give_order": ["Order {order}", "It's {order}, phone {phone}"],
    "give_product": ["The {item} on your front page.", "The black {item}."],
    "verified": ["Thanks, I found your order. Is the phone ending in {tail}?", "Got it, I've verified your order."],
    "pii_leak": [
        "OK, your phone number {phone} is verified.",
        "Your ID number is {id_no}, right?",
        "The refund goes back to your card {card}.",
    ],
    "empathy": [
        "I'm so sorry for the inconvenience, I understand how you feel.",
        "I really apologize for the delay, let me fix this for you.",
    ],
    "wait": ["Let me check that for you, one moment please.", "Please hold on while I look into it."],
    "angry_more": ["I want to complain!", "Terrible service!", "Refund me now!", "This is unacceptable!"],
    "anxious_more": ["Can you hurry, please?", "How long will it take?"],
    "calm_more": ["OK.", "I see."],
    "solution": {
        "logistics": [
            "I've asked the courier to expedite it, it should arrive tomorrow.",
            "If it isn't there tomorrow we will resend it for free.",
        ],
        "return_refund": [
            "Your refund is approved and will be back in 1-3 business days.",
            "A courier will pick up the return, shipping is on us.",
        ],
        "product": [
            "It's in stock and ships within 48 hours.",
            "Yes, it has a one-year warranty and 7-day free returns.",
        ],
        "invoice": ["The e-invoice has been sent to your email.", "You can download the invoice from the order page."],
        "coupon": [
            "I've issued you a new coupon with no minimum spend.",
            "The price difference has been refunded to you.",
        ],
        "complaint": [
            "I've registered the defect and issued a full refund plus a coupon.",
            "Please send a photo and we'll replace it for free.",
        ],
    },
    "vague": [
        "I can't see anything here, just wait a bit more.",
        "I've passed it on, no idea when it will be handled.",
    ],
    "taboo": [
        "I don't know, check it yourself.",
        "Not my problem, ask the courier.",
        "That's not my job.",
        "Take it or leave it.",
    ],
    "off_platform": [
        "Add me on WeChat {wx} and I'll sort it out privately.",
        "Pay me directly via Alipay and I'll give you a discount.",
    ],
    "off_platform_reply": ["Why WeChat?", "Can't you do it here?"],
    "ack": ["OK, thanks!", "Great, thank you."],
    "unhappy": ["So when will this be fixed?", "Forget it, I'll file a complaint.", "That's not an answer."],
    "closing_ask": ["Is there anything else I can help you with?"],
    "no_more": ["No, that's all.", "Nothing else, thanks."],
    "closing_bye": ["Thanks for your patience, have a nice day!", "Thank you for contacting us, goodbye!"],
    "email_close": ["If you have any other questions, just reply to this email. Best regards."],
    "phone_fill": ["Mm-hm, go on.", "OK, noted."],
    "handover": ["I'll transfer you to a specialist.", "Let me pass you to {team}."],
    "items": ["headphones", "down jacket", "rice cooker", "robot vacuum", "sneakers", "face cream", "phone case"],
}

BANKS = {"zh": ZH, "en": EN}
