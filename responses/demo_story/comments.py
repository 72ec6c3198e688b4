"""Comments written for the demo, as (Chinese, English) pairs, by storyline and by what went
wrong. Each planted problem has its own comments, so the pages' topics find it."""

ORDER = {
    "late_office_lunch": [
        (
            "午高峰等了一个多小时才送到，太慢了，写字楼楼下根本找不到骑手",
            "Lunch took over an hour at peak time, the rider never found our office tower",
        ),
        (
            "中午点餐总是超时太离谱，开会前根本来不及吃",
            "Lunch orders are always late, no time to eat before my meeting",
        ),
        (
            "预计十二点送达，结果一点才到，太慢了，午休都过了",
            "Promised for noon, arrived at one, my lunch break was over",
        ),
        (
            "写字楼电梯排队，骑手说送不上来，等了很久",
            "The rider waited for the office lift and we waited forever",
        ),
    ],
    "late": [
        (
            "配送太慢了，预计三十分钟结果等了快一个小时",
            "Delivery was slow: promised 30 minutes, waited almost an hour",
        ),
        ("送餐慢，催单也没用", "Very late and chasing the order did nothing"),
    ],
    "cold": [
        ("送到的时候饭都凉了，汤也是温的", "Everything arrived cold, even the soup"),
        ("晚上点的烧烤送到全凉了", "Late-night barbecue arrived completely cold"),
    ],
    "spill": [
        ("奶茶洒了一半，包装袋里全是", "Half the milk tea spilled all over the bag"),
        ("火锅底料漏了，袋子都湿了，包装太差", "The hotpot broth leaked through the bag"),
    ],
    "missing": [
        ("少送了一份饮料，备注也没看", "A drink was missing and they ignored my note"),
        ("送错了，我点的是鸡腿饭不是牛肉饭", "Wrong order, I asked for chicken rice not beef"),
    ],
    "price": [
        ("配送费太贵了，分量还少", "Delivery fee is too high and the portion was small"),
    ],
    "praise": [
        ("很快就送到了，骑手很有礼貌", "Arrived fast and the rider was polite"),
        ("准时送达，饭还是热的", "On time and still hot"),
        ("包装很用心，一点没洒", "Carefully packed, nothing spilled"),
    ],
}

ONBOARDING = {
    "information_collection": [
        (
            "营业执照和食品经营许可证上传太麻烦，传了好几次才成功",
            "I had to upload the business licence several times",
        ),
        ("要准备的资料太多，健康证还要重新办", "Too many documents, I had to redo the health certificate"),
    ],
    "review_slow": [
        ("审核太慢了，等了一个多星期还在审核中", "The review took more than a week and was still pending"),
        (
            "提交以后等审核等了十天，审核太慢，没人告诉进度",
            "Waited ten days for the review, nobody told us where it was",
        ),
        (
            "审核驳回两次很麻烦，每次都要重新提交，又等好几天",
            "Rejected twice, had to resubmit and wait days each time",
        ),
    ],
    "review": [
        ("资料被驳回一次，原因没说清楚", "Rejected once without a clear reason"),
    ],
    "going_live": [
        ("菜单上架很麻烦，店铺装修不会弄", "Putting the menu online was hard and the shop page confusing"),
        ("审核过了还是开不了店，上线慢", "Approved but the shop still could not open"),
    ],
}

RIDER = {
    "app_failure_night": [
        (
            "夜里跑单App老是闪退，重新登录好几次",
            "At night the app keeps crashing and I log in again and again",
        ),
        (
            "晚上定位太差，一直漂移，导航还把我带错路",
            "At night the location drifts and navigation sends me the wrong way",
        ),
        (
            "凌晨系统卡顿得很糟糕，订单点不了送达",
            "After midnight the app freezes and I cannot mark orders delivered",
        ),
    ],
    "pickup_wait": [
        (
            "商家出餐慢，每单都要等十几分钟",
            "The shops are slow to prepare, I wait over ten minutes per order",
        ),
    ],
    "earnings": [
        ("单价太低，补贴也少了", "Pay per order is too low and the bonuses shrank"),
    ],
    "building_access": [
        ("写字楼保安不让进，电梯也要等很久", "Office guards stop me and the lifts take ages"),
    ],
}

TICKET = {
    "refund": [
        (
            "退款申请了三次才处理，客服一直让等",
            "Asked for the refund three times, support kept telling me to wait",
        ),
        (
            "退款到现在还没到账，转了好几个客服",
            "The refund still has not arrived, I was passed between agents",
        ),
    ],
    "repeat": [
        (
            "同一个问题要重复说好几遍，每次换人都要重新讲",
            "I had to explain the same problem again to every new agent",
        ),
    ],
    "wait": [
        ("电话排队等了二十分钟才接通", "Waited twenty minutes on the phone before anyone answered"),
    ],
}

RENTAL = {
    "deposit": [
        (
            "还车两周了押金还没退，打电话也说在处理",
            "Two weeks after the return the deposit is still not refunded",
        ),
        (
            "违章押金一直不解冻，退押金太慢了",
            "The deposit hold is still not released, the refund of deposit is so slow",
        ),
        ("押金不退也没有任何说明", "No refund of the deposit and no explanation"),
    ],
    "pickup": [
        ("取车排队等了四十分钟", "Waited forty minutes at pickup"),
    ],
    "vehicle_condition": [
        ("车里很脏，油也没加满", "The car was dirty and the tank was not full"),
    ],
    "fees": [
        ("还车时多收了清洁费", "They charged an extra cleaning fee at the return"),
    ],
}
