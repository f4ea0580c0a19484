import Foundation

/// The places the simulated network covers: 20 provinces (each with its capital's hub and
/// three delivery stations), merchant warehouses, Hong Kong for cross-border parcels and two
/// customs offices. Coordinates are city centres (WGS 84), close enough for distances.
enum ChinaGeography {
    struct Place {
        var name: String
        var city: String
        var latitude: Double
        var longitude: Double
    }

    struct Province {
        var name: String
        /// The capital, where the province's hub (转运中心) is.
        var capital: String
        var shortCapital: String
        /// Telephone area code of the capital, used in facility codes (`571` for 杭州).
        var areaCode: String
        var latitude: Double
        var longitude: Double
        /// Delivery stations (营业部): district or city name, its city, coordinates.
        var stations: [Place]
        /// Share of orders delivered to this province.
        var demandWeight: Double
        /// Coastal provinces a typhoon can hit.
        var coastal: Bool
    }

    struct Warehouse {
        var code: String
        var name: String
        var provinceIndex: Int
        /// The station (index into the province's stations) that picks up from this warehouse.
        var pickupStation: Int
        var latitude: Double
        var longitude: Double
        var city: String
        var weight: Double
    }

    static func station(_ name: String, _ city: String, _ latitude: Double, _ longitude: Double) -> Place {
        Place(name: name, city: city, latitude: latitude, longitude: longitude)
    }

    static let provinces: [Province] = [
        Province(
            name: "浙江省", capital: "杭州市", shortCapital: "杭州", areaCode: "571", latitude: 30.27, longitude: 120.15,
            stations: [
                station("杭州西湖", "杭州市", 30.26, 120.13), station("宁波鄞州", "宁波市", 29.82, 121.55),
                station("温州鹿城", "温州市", 28.02, 120.65),
            ], demandWeight: 9, coastal: true),
        Province(
            name: "上海市", capital: "上海市", shortCapital: "上海", areaCode: "021", latitude: 31.23, longitude: 121.47,
            stations: [
                station("上海浦东", "上海市", 31.22, 121.54), station("上海闵行", "上海市", 31.11, 121.38),
                station("上海静安", "上海市", 31.23, 121.45),
            ], demandWeight: 7, coastal: true),
        Province(
            name: "江苏省", capital: "南京市", shortCapital: "南京", areaCode: "025", latitude: 32.06, longitude: 118.80,
            stations: [
                station("南京鼓楼", "南京市", 32.07, 118.77), station("苏州工业园区", "苏州市", 31.32, 120.72),
                station("无锡滨湖", "无锡市", 31.55, 120.27),
            ], demandWeight: 9, coastal: false),
        Province(
            name: "广东省", capital: "广州市", shortCapital: "广州", areaCode: "020", latitude: 23.13, longitude: 113.26,
            stations: [
                station("广州天河", "广州市", 23.12, 113.36), station("深圳南山", "深圳市", 22.53, 113.93),
                station("东莞南城", "东莞市", 23.01, 113.73),
            ], demandWeight: 12, coastal: true),
        Province(
            name: "北京市", capital: "北京市", shortCapital: "北京", areaCode: "010", latitude: 39.90, longitude: 116.41,
            stations: [
                station("北京朝阳", "北京市", 39.92, 116.44), station("北京海淀", "北京市", 39.96, 116.30),
                station("北京丰台", "北京市", 39.86, 116.29),
            ], demandWeight: 6, coastal: false),
        Province(
            name: "山东省", capital: "济南市", shortCapital: "济南", areaCode: "531", latitude: 36.65, longitude: 117.12,
            stations: [
                station("济南历下", "济南市", 36.67, 117.08), station("青岛市南", "青岛市", 36.07, 120.38),
                station("烟台芝罘", "烟台市", 37.54, 121.40),
            ], demandWeight: 6, coastal: false),
        Province(
            name: "福建省", capital: "福州市", shortCapital: "福州", areaCode: "591", latitude: 26.07, longitude: 119.30,
            stations: [
                station("福州鼓楼", "福州市", 26.08, 119.30), station("厦门思明", "厦门市", 24.45, 118.08),
                station("泉州丰泽", "泉州市", 24.90, 118.60),
            ], demandWeight: 4, coastal: true),
        Province(
            name: "湖北省", capital: "武汉市", shortCapital: "武汉", areaCode: "027", latitude: 30.59, longitude: 114.31,
            stations: [
                station("武汉江汉", "武汉市", 30.60, 114.27), station("武汉洪山", "武汉市", 30.50, 114.34),
                station("宜昌西陵", "宜昌市", 30.70, 111.29),
            ], demandWeight: 4, coastal: false),
        Province(
            name: "四川省", capital: "成都市", shortCapital: "成都", areaCode: "028", latitude: 30.57, longitude: 104.07,
            stations: [
                station("成都锦江", "成都市", 30.66, 104.08), station("成都武侯", "成都市", 30.64, 104.04),
                station("绵阳涪城", "绵阳市", 31.46, 104.68),
            ], demandWeight: 5, coastal: false),
        Province(
            name: "河南省", capital: "郑州市", shortCapital: "郑州", areaCode: "371", latitude: 34.75, longitude: 113.63,
            stations: [
                station("郑州金水", "郑州市", 34.80, 113.66), station("洛阳涧西", "洛阳市", 34.66, 112.40),
                station("开封龙亭", "开封市", 34.80, 114.35),
            ], demandWeight: 5, coastal: false),
        Province(
            name: "湖南省", capital: "长沙市", shortCapital: "长沙", areaCode: "731", latitude: 28.23, longitude: 112.94,
            stations: [
                station("长沙岳麓", "长沙市", 28.24, 112.93), station("长沙芙蓉", "长沙市", 28.19, 113.03),
                station("株洲天元", "株洲市", 27.83, 113.08),
            ], demandWeight: 4, coastal: false),
        Province(
            name: "安徽省", capital: "合肥市", shortCapital: "合肥", areaCode: "551", latitude: 31.82, longitude: 117.23,
            stations: [
                station("合肥蜀山", "合肥市", 31.85, 117.26), station("合肥包河", "合肥市", 31.79, 117.31),
                station("芜湖镜湖", "芜湖市", 31.34, 118.38),
            ], demandWeight: 4, coastal: false),
        Province(
            name: "河北省", capital: "石家庄市", shortCapital: "石家庄", areaCode: "311", latitude: 38.04,
            longitude: 114.51,
            stations: [
                station("石家庄长安", "石家庄市", 38.04, 114.54), station("保定竞秀", "保定市", 38.87, 115.46),
                station("唐山路北", "唐山市", 39.63, 118.18),
            ], demandWeight: 4, coastal: false),
        Province(
            name: "陕西省", capital: "西安市", shortCapital: "西安", areaCode: "029", latitude: 34.34, longitude: 108.94,
            stations: [
                station("西安雁塔", "西安市", 34.22, 108.95), station("西安未央", "西安市", 34.29, 108.95),
                station("咸阳秦都", "咸阳市", 34.33, 108.71),
            ], demandWeight: 3, coastal: false),
        Province(
            name: "重庆市", capital: "重庆市", shortCapital: "重庆", areaCode: "023", latitude: 29.56, longitude: 106.55,
            stations: [
                station("重庆渝中", "重庆市", 29.55, 106.57), station("重庆江北", "重庆市", 29.61, 106.57),
                station("重庆沙坪坝", "重庆市", 29.54, 106.46),
            ], demandWeight: 3, coastal: false),
        Province(
            name: "天津市", capital: "天津市", shortCapital: "天津", areaCode: "022", latitude: 39.08, longitude: 117.20,
            stations: [
                station("天津和平", "天津市", 39.12, 117.20), station("天津南开", "天津市", 39.14, 117.15),
                station("天津滨海", "天津市", 39.00, 117.71),
            ], demandWeight: 2, coastal: false),
        Province(
            name: "辽宁省", capital: "沈阳市", shortCapital: "沈阳", areaCode: "024", latitude: 41.80, longitude: 123.43,
            stations: [
                station("沈阳和平", "沈阳市", 41.79, 123.40), station("沈阳浑南", "沈阳市", 41.71, 123.45),
                station("大连中山", "大连市", 38.92, 121.64),
            ], demandWeight: 3, coastal: false),
        Province(
            name: "江西省", capital: "南昌市", shortCapital: "南昌", areaCode: "791", latitude: 28.68, longitude: 115.86,
            stations: [
                station("南昌东湖", "南昌市", 28.68, 115.90), station("九江浔阳", "九江市", 29.71, 116.00),
                station("赣州章贡", "赣州市", 25.83, 114.93),
            ], demandWeight: 3, coastal: false),
        Province(
            name: "广西壮族自治区", capital: "南宁市", shortCapital: "南宁", areaCode: "771", latitude: 22.82,
            longitude: 108.37,
            stations: [
                station("南宁青秀", "南宁市", 22.79, 108.49), station("柳州城中", "柳州市", 24.33, 109.41),
                station("桂林秀峰", "桂林市", 25.28, 110.29),
            ], demandWeight: 3, coastal: false),
        Province(
            name: "云南省", capital: "昆明市", shortCapital: "昆明", areaCode: "871", latitude: 25.04, longitude: 102.71,
            stations: [
                station("昆明五华", "昆明市", 25.04, 102.70), station("昆明官渡", "昆明市", 25.02, 102.74),
                station("曲靖麒麟", "曲靖市", 25.49, 103.80),
            ], demandWeight: 3, coastal: false),
    ]

    /// Provinces whose hubs serve as transit hubs between distant provinces.
    static let transitProvinceNames = ["河南省", "湖北省", "湖南省", "上海市", "广东省"]

    /// Merchant warehouses shipping domestic orders (and receiving returns).
    static let warehouses: [Warehouse] = [
        Warehouse(
            code: "WH571", name: "杭州余杭仓", provinceIndex: 0, pickupStation: 0, latitude: 30.42, longitude: 120.30,
            city: "杭州市", weight: 20),
        Warehouse(
            code: "WH021", name: "上海青浦仓", provinceIndex: 1, pickupStation: 1, latitude: 31.15, longitude: 121.12,
            city: "上海市", weight: 15),
        Warehouse(
            code: "WH512", name: "苏州吴中仓", provinceIndex: 2, pickupStation: 1, latitude: 31.26, longitude: 120.63,
            city: "苏州市", weight: 15),
        Warehouse(
            code: "WH769", name: "东莞虎门仓", provinceIndex: 3, pickupStation: 2, latitude: 22.82, longitude: 113.67,
            city: "东莞市", weight: 20),
        Warehouse(
            code: "WH010", name: "北京大兴仓", provinceIndex: 4, pickupStation: 2, latitude: 39.73, longitude: 116.34,
            city: "北京市", weight: 12),
        Warehouse(
            code: "WH028", name: "成都双流仓", provinceIndex: 8, pickupStation: 1, latitude: 30.57, longitude: 103.92,
            city: "成都市", weight: 9),
        Warehouse(
            code: "WH027", name: "武汉东西湖仓", provinceIndex: 7, pickupStation: 0, latitude: 30.62, longitude: 114.14,
            city: "武汉市", weight: 9),
    ]

    /// Hong Kong: the cross-border warehouse, and the cross-border carriers' station and hub.
    static let hongKongRegion = "香港特别行政区"
    static let hongKongCity = "香港"
    static let hongKongWarehouse = (code: "WH852", name: "香港葵涌仓", latitude: 22.36, longitude: 114.13)
    static let hongKongStation = (name: "香港观塘", latitude: 22.31, longitude: 114.23)
    static let hongKongHub = (latitude: 22.32, longitude: 114.02)

    struct CustomsOffice {
        var code: String
        var name: String
        var city: String
        var provinceIndex: Int
        var latitude: Double
        var longitude: Double
        /// Crossed by air from Hong Kong (else by road).
        var byAir: Bool
    }

    /// Where cross-border parcels clear customs before entering the domestic network at the
    /// office's province hub.
    static let customsOffices: [CustomsOffice] = [
        CustomsOffice(
            code: "5320", name: "皇岗海关", city: "深圳市", provinceIndex: 3, latitude: 22.52, longitude: 114.07,
            byAir: false),
        CustomsOffice(
            code: "2233", name: "上海浦东国际机场海关", city: "上海市", provinceIndex: 1, latitude: 31.15,
            longitude: 121.80, byAir: true),
    ]

    /// Great-circle distance in kilometres.
    static func distanceKm(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let radians = Double.pi / 180
        let dLat = (lat2 - lat1) * radians
        let dLon = (lon2 - lon1) * radians
        let a =
            sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * radians) * cos(lat2 * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * 6371 * asin(min(1, a.squareRoot()))
    }
}
