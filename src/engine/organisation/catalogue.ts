// The default service catalogue from the seeds: ordinary ×1, technical ×2, professional ×3
// (Taierzhuang), professional services needing a verified qualification (Hebei).

export const TIERS = ["ordinary", "technical", "professional"] as const;
export type Tier = (typeof TIERS)[number];

/** One entry of a catalogue, named in zh-CN and en. */
export interface CategorySeed {
  code: string;
  nameZh: string;
  nameEn: string;
  tier: Tier;
}

/** Seeded at the root unit of every new bank; units below may add their own. */
export const DEFAULT_CATEGORIES: CategorySeed[] = [
  { code: "companionship", nameZh: "陪伴聊天", nameEn: "Companionship", tier: "ordinary" },
  { code: "errands", nameZh: "代买代办", nameEn: "Errands", tier: "ordinary" },
  { code: "meal_delivery", nameZh: "送餐", nameEn: "Meal delivery", tier: "ordinary" },
  { code: "cleaning", nameZh: "家政保洁", nameEn: "Cleaning", tier: "ordinary" },
  { code: "escort", nameZh: "出行陪伴", nameEn: "Escort on outings", tier: "ordinary" },
  { code: "recreation", nameZh: "文体活动", nameEn: "Recreation", tier: "ordinary" },
  { code: "health_education", nameZh: "健康科普", nameEn: "Health education", tier: "ordinary" },
  { code: "anti_fraud", nameZh: "防范金融和网络风险指导", nameEn: "Fraud-prevention help", tier: "ordinary" },
  { code: "pipe_unclogging", nameZh: "管道疏通", nameEn: "Pipe unclogging", tier: "technical" },
  { code: "appliance_repair", nameZh: "家电维修", nameEn: "Appliance repair", tier: "technical" },
  { code: "home_repair", nameZh: "居住设施维护", nameEn: "Home repairs", tier: "technical" },
  { code: "counselling", nameZh: "心理咨询", nameEn: "Counselling", tier: "professional" },
  { code: "legal_aid", nameZh: "法律援助", nameEn: "Legal aid", tier: "professional" },
  { code: "home_care", nameZh: "居家照护", nameEn: "Home nursing care", tier: "professional" },
  { code: "health_checkup", nameZh: "义诊", nameEn: "Free health check", tier: "professional" },
];
